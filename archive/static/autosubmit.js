// A form marked data-autosubmit sends itself when one of its choices
// changes, so sorting and filtering need no second click; its submit button
// (kept for pages without JavaScript) is then hidden.
(function () {
  "use strict";

  for (const form of document.querySelectorAll("form[data-autosubmit]")) {
    for (const button of form.querySelectorAll(".js-hidden")) button.hidden = true;
    form.addEventListener("change", (event) => {
      if (event.target.matches("select, input[type=radio], input[type=checkbox]")) form.requestSubmit();
    });
  }
})();
