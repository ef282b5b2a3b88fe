// The post body editor. Beside the body field, a live preview rendered by the server with the
// public page's own code (blog/editor.py), with the word count and reading time; under each
// saved body image, buttons that copy its Markdown or insert it into the body.
// Without JavaScript the form works as before: the preview pane stays hidden.
"use strict";

(() => {
  const DELAY_MS = 300; // After the last keystroke: quick enough to feel live, one request per pause.
  const translate = (text) => (typeof window.gettext === "function" ? window.gettext(text) : text);

  function livePreview(body, pane) {
    const format = document.getElementById("id_body_format");
    const output = pane.querySelector(".body-preview__output");
    const stats = pane.querySelector(".body-preview__stats");
    const token = body.form.elements.csrfmiddlewaretoken.value;

    // The textarea and the pane side by side, in the body field's row.
    const editor = document.createElement("div");
    editor.className = "body-editor";
    body.parentNode.insertBefore(editor, body);
    editor.append(body, pane);
    pane.hidden = false;

    let timer = null;
    let pending = null;
    const refresh = async () => {
      if (pending) {
        pending.abort(); // An older answer must not overwrite a newer one.
      }
      pending = new AbortController();
      const data = new FormData();
      data.append("body", body.value);
      data.append("body_format", format ? format.value : "markdown");
      data.append("post", pane.dataset.post);
      try {
        const response = await fetch(pane.dataset.url, {
          method: "POST",
          body: data,
          headers: { "X-CSRFToken": token },
          credentials: "same-origin",
          signal: pending.signal,
        });
        if (!response.ok) {
          throw new Error(`preview answered ${response.status}`);
        }
        const result = await response.json();
        output.innerHTML = result.html; // Sanitised by the server, as on the public page.
        stats.textContent = result.summary;
        pane.classList.remove("body-preview--stale");
      } catch (error) {
        if (error.name !== "AbortError") {
          pane.classList.add("body-preview--stale");
          stats.textContent = translate("The preview could not be updated; your text is safe in the form.");
        }
      }
    };
    const schedule = () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, DELAY_MS);
    };
    body.addEventListener("input", schedule);
    if (format) {
      format.addEventListener("change", schedule);
    }
    refresh();
  }

  function button(label, onClick) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = "button image-snippet__button";
    element.textContent = label;
    element.addEventListener("click", onClick);
    return element;
  }

  function imageSnippets(body) {
    for (const code of document.querySelectorAll("code.image-snippet")) {
      const markdown = code.textContent;
      const copy = button(translate("Copy"), async () => {
        try {
          await navigator.clipboard.writeText(markdown);
          copy.textContent = translate("Copied");
        } catch {
          // No clipboard (plain http, or refused): select the text so Ctrl+C copies it.
          window.getSelection().selectAllChildren(code);
        }
      });
      const insert = button(translate("Insert into body"), () => {
        const { selectionStart, selectionEnd } = body;
        body.setRangeText(`\n\n${markdown}\n\n`, selectionStart, selectionEnd, "end");
        body.focus();
        body.dispatchEvent(new Event("input", { bubbles: true }));
      });
      code.after(copy, insert);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const body = document.getElementById("id_body");
    const pane = document.getElementById("body-preview");
    if (!body) {
      return;
    }
    if (pane) {
      livePreview(body, pane);
    }
    imageSnippets(body);
  });
})();
