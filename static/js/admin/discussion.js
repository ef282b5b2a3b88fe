// The post form's discussion setting: "close after (days)" only matters for "Closed after N days",
// so its row shows only then. Without JavaScript both fields simply show.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const choice = document.getElementById("id_discussion");
  const days = document.getElementById("id_discussion_close_after_days");
  const row = days && days.closest(".form-row");
  if (!choice || !row) {
    return;
  }
  const update = () => {
    row.hidden = choice.value !== "close_after";
  };
  choice.addEventListener("change", update);
  update();
});
