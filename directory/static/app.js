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
