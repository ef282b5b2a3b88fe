// Reply moves the page's one comment form under the comment being answered.
// Without JavaScript, Reply leads to ?replyto=<id>, which the server renders with the form
// already in place and its parent set: this script only saves that page load.
(() => {
  const respond = document.getElementById("respond");
  const home = document.getElementById("respond-home");
  if (!respond || !home) return;
  const form = respond.querySelector("form");
  const notice = document.getElementById("respond-replying");
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
    form.elements.body.focus();
    return true;
  };

  const cancelReply = () => {
    home.append(respond);
    form.elements.parent.value = "";
    notice.replaceChildren();
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

  // The form's signed timestamp must be this reader's own, even on a page from a shared cache:
  // fetch a fresh one when the form is first used, and before sending if that has not
  // finished. Should the request fail, the server-rendered token stays (as without JavaScript).
  // A form sent back with errors carries the token the reader sent: the template gives no URL then.
  let tokenRequest = null;
  let tokenFresh = !form.dataset.tokenUrl;
  const freshToken = () => {
    tokenRequest ??= fetch(form.dataset.tokenUrl, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((data) => {
        form.elements.form_token.value = data.token;
      })
      .catch(() => {})
      .finally(() => {
        tokenFresh = true;
      });
    return tokenRequest;
  };
  if (!tokenFresh) form.addEventListener("focusin", freshToken);
  form.addEventListener("submit", (event) => {
    if (tokenFresh) return;
    event.preventDefault();
    freshToken().then(() => form.submit());
  });

  // A form sent back with errors starts at the first field to fix. The action's #respond
  // (which scrolls there without JavaScript) would take that focus away, so drop it.
  form.setAttribute("action", form.getAttribute("action").split("#")[0]);
  form.querySelector('[aria-invalid="true"]')?.focus();
})();
