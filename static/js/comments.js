// Reply moves the page's one comment form under the comment being answered.
// Without JavaScript, Reply leads to ?replyto=<id>, which the server renders with the form
// already in place and its parent set: this script only saves that page load.
(() => {
  const respond = document.getElementById("respond");
  const home = document.getElementById("respond-home");
  if (!respond || !home) return;
  const form = respond.querySelector("form");
  const notice = document.getElementById("respond-replying");
  const title = document.getElementById("respond-title");
  let openedBy = null;

  const replyTo = (link) => {
    const card = document.querySelector(`#comment-${link.dataset.replyTo} > .comment__card`);
    if (!card) return false;
    card.after(respond);
    form.elements.parent.value = link.dataset.replyTo;
    openedBy = link;

    const target = document.createElement("a");
    target.href = `#comment-${link.dataset.replyTo}`;
    target.textContent = link.dataset.replyName;
    const cancel = document.createElement("a");
    cancel.className = "respond__cancel";
    cancel.href = respond.dataset.cancelUrl;
    cancel.textContent = "Cancel reply";
    notice.replaceChildren("Replying to ", target, ". ", cancel);
    title.textContent = `Reply to ${link.dataset.replyName}`;
    form.elements.body.focus();
    return true;
  };

  const cancelReply = () => {
    home.append(respond);
    form.elements.parent.value = "";
    notice.replaceChildren();
    title.textContent = title.dataset.defaultTitle;
    (openedBy && openedBy.isConnected ? openedBy : form.elements.body).focus();
    openedBy = null;
  };

  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    const reply = event.target.closest("a[data-reply-to]");
    if (reply && replyTo(reply)) {
      event.preventDefault();
    } else if (event.target.closest(".respond__cancel")) {
      event.preventDefault();
      cancelReply();
    }
  });

  // A form sent back with errors starts at the first field to fix. The action's #respond
  // (which scrolls there without JavaScript) would take that focus away, so drop it.
  form.setAttribute("action", form.getAttribute("action").split("#")[0]);
  (form.querySelector('[aria-invalid="true"]') ?? form.querySelector(".comment-form__problem"))?.focus();
})();

// What a form needs of this visitor: the form's signed timestamp (the comment form's spam
// check), and on a page from the shared cache (blog/page_cache.py), which holds nothing of
// anyone's, the CSRF token and the details "remember me" keeps. Forms with data-token-url get
// them from comments:form_token when first used (at once if there are remembered details to
// fill in), and wait for them before sending. Should that request fail, the form is sent as
// it is; without JavaScript the server answers a tokenless comment with the form again, kept.
(() => {
  const forms = [...document.querySelectorAll("form[data-token-url]")];
  if (!forms.length) return;
  let request = null;
  let done = false;
  const fill = (data) => {
    for (const form of forms) {
      const { form_token: token, csrfmiddlewaretoken: csrf } = form.elements;
      if (token) token.value = data.token;
      if (csrf && !csrf.value) csrf.value = data.csrf;
      for (const [name, value] of Object.entries(data.commenter ?? {})) {
        const field = form.elements[name];
        if (field?.type === "checkbox") field.checked = Boolean(value);
        else if (field && !field.value) field.value = value;
      }
    }
  };
  const visitor = () => {
    request ??= fetch(forms[0].dataset.tokenUrl, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then(fill)
      .catch(() => {})
      .finally(() => {
        done = true;
      });
    return request;
  };
  if (document.cookie.split("; ").includes("colloquy_remembered=1")) visitor();
  for (const form of forms) {
    form.addEventListener("focusin", visitor);
    form.addEventListener("submit", (event) => {
      if (done) return;
      event.preventDefault();
      visitor().then(() => form.submit());
    });
  }
})();

// Arriving at #comment-<id> (a permalink, or the redirect after posting) puts focus on that
// comment, so keyboard and screen reader users continue from there rather than the page top.
(() => {
  const focusTarget = () => {
    const match = /^#comment-(\d+)$/.exec(window.location.hash);
    const target = match && document.getElementById(`comment-${match[1]}`);
    if (!target) return;
    // On the fragment's own element: the browser's scroll to the fragment focuses it too,
    // where it would otherwise reset focus to the page.
    target.tabIndex = -1;
    target.focus({ preventScroll: true });
  };
  focusTarget();
  window.addEventListener("hashchange", focusTarget);
})();

// Collapse thread: a disclosure button before each thread's replies, which hides or shows them.
// Added here, so the page without JavaScript has no button and every reply showing.
(() => {
  const toggles = [];
  for (const replies of document.querySelectorAll(".comment-list > .comment > .comment-children")) {
    const thread = replies.parentElement;
    replies.id ||= `${thread.id}-replies`;
    const count = replies.querySelectorAll(".comment").length;
    const name = thread.querySelector(":scope > .comment__card .comment__author")?.textContent.trim();
    const button = document.createElement("button");
    button.type = "button";
    button.className = "comment__thread-toggle";
    button.setAttribute("aria-expanded", "true");
    button.setAttribute("aria-controls", replies.id);
    const about = document.createElement("span");
    about.className = "visually-hidden";
    about.textContent = name ? ` to ${name}` : " to a removed comment";
    button.append(`${count} ${count === 1 ? "reply" : "replies"}`, about);
    button.addEventListener("click", () => {
      const expanded = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", String(!expanded));
      replies.hidden = expanded;
    });
    replies.before(button);
    toggles.push(button);
  }
  if (!toggles.length) return;

  // A link to a comment inside a collapsed thread (the pinned comment's, a permalink) opens it first.
  const reveal = (hash) => {
    const match = /^#(comment-\d+)$/.exec(hash);
    let node = match && document.getElementById(match[1]);
    while (node) {
      const replies = node.closest(".comment-children[hidden]");
      if (!replies) return;
      document.querySelector(`[aria-controls="${replies.id}"]`)?.click();
      node = replies;
    }
  };
  document.addEventListener("click", (event) => {
    const link = event.target.closest('a[href^="#comment-"]');
    if (link) reveal(link.getAttribute("href"));
  });
  reveal(window.location.hash);
  window.addEventListener("hashchange", () => reveal(window.location.hash));
})();
