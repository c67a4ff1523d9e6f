// Keyboard shortcuts for the review screen. Each control that has one says so
// in a data-shortcut attribute (a letter) or data-key (a digit for radios).
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) && target.type !== "radio")) return;
    var key = event.key.toLowerCase();
    var radio = document.querySelector('input[type="radio"][data-key="' + key + '"]');
    if (radio) {
      radio.checked = true;
      radio.focus();
      event.preventDefault();
      return;
    }
    var control = document.querySelector('[data-shortcut="' + key + '"]');
    if (!control) return;
    event.preventDefault();
    if (control.tagName === "FORM") {
      control.requestSubmit();
    } else {
      control.click();  // a submit button sends its own decision; a link follows
    }
  });
})();
