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
    const picker = new TomSelect(el, {
      plugins: ["remove_button"],
      maxOptions: null,
      hidePlaceholder: true,
      placeholder: el.dataset.placeholder || "",
      closeAfterSelect: false,
      render: { no_results: () => { const div = document.createElement("div"); div.className = "no-results"; div.textContent = noResults; return div; } },
    });
    // Tom Select moves the field's <label for> to its own input; the original select (kept for the form and
    // screen readers' form lists) keeps the label's name through aria-labelledby.
    const labelledBy = picker.control_input.getAttribute("aria-labelledby");
    if (labelledBy) el.setAttribute("aria-labelledby", labelledBy);
  });
}
document.addEventListener("DOMContentLoaded", () => initPickers(document));
document.addEventListener("htmx:load", (event) => initPickers(event.target));
// <button data-elder-toggle>: 长者模式 (larger type, higher contrast) on or off, remembered for a year in a cookie
// that base.html reads, so the next page is drawn in the chosen mode from its first paint (no inline script).
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-elder-toggle]");
  if (!toggle) return;
  const on = document.documentElement.classList.toggle("elder");
  document.cookie = `elder=${on ? "1" : "0"}; path=/; max-age=${on ? 31536000 : 0}; SameSite=Lax`;
  document.querySelectorAll("[data-elder-toggle]").forEach((b) => b.setAttribute("aria-pressed", String(on)));
  document.dispatchEvent(new CustomEvent("elder-mode", { detail: { on } }));
});
