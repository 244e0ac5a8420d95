/* Behaviour the pages used to carry inline (onchange=…, onclick=…). Here, in a file of this site, it runs
   under the Content-Security-Policy, which refuses inline script (directory/core/headers.py). */
"use strict";

// <select data-autosubmit>: choosing an option submits its form (the search page's sort order).
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.submit();
});

// <button data-print>: print the page (agenda, meeting plan).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

// <select multiple data-picker>: a searchable picker (Tom Select, vendored). The <select> stays the form's
// field (Tom Select keeps its options selected), so what is posted and the server's checks do not change.
function initPickers(root) {
  if (typeof TomSelect === "undefined") return;
  root.querySelectorAll("select[data-picker]:not(.tomselected)").forEach((el) => {
    const noResults = el.dataset.noResults || "";
    new TomSelect(el, {
      plugins: ["remove_button"],
      maxOptions: null,
      hidePlaceholder: true,
      placeholder: el.dataset.placeholder || "",
      closeAfterSelect: false,
      render: { no_results: () => { const div = document.createElement("div"); div.className = "no-results"; div.textContent = noResults; return div; } },
    });
  });
}
document.addEventListener("DOMContentLoaded", () => initPickers(document));
document.addEventListener("htmx:load", (event) => initPickers(event.target));
