// A form marked data-autosubmit sends itself when one of its choices
// changes, so sorting and filtering need no second click (its submit button
// is in a <noscript>, for pages without JavaScript).
(function () {
  "use strict";

  for (const form of document.querySelectorAll("form[data-autosubmit]")) {
    form.addEventListener("change", (event) => {
      if (event.target.matches("select, input[type=radio], input[type=checkbox]")) form.requestSubmit();
    });
  }
})();
