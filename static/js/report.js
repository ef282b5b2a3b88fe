// Report links open the page's one shared report form in a <dialog>, with the comment's id set.
// Without JavaScript (or <dialog>), the links lead to the report page with the same form.
(() => {
  const dialog = document.getElementById("report-dialog");
  if (!dialog || typeof dialog.showModal !== "function") return;
  const form = dialog.querySelector("form");
  const name = dialog.querySelector("[data-report-name]");

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-report]");
    if (!link) return;
    event.preventDefault();
    form.reset();
    form.elements.comment.value = link.dataset.report;
    name.textContent = link.dataset.reportName;
    dialog.showModal();
  });

  dialog.querySelector("[data-report-cancel]").addEventListener("click", () => dialog.close());
})();
