// Keyboard steps through the list a photo was reached from: ← and → follow
// the page's previous and next links, unless a field, the zoomed picture
// or an open dialog has the keys.
(function () {
  "use strict";

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const target = event.target;
    if (target.closest("input, textarea, select, [contenteditable], [data-zoom], .iiif-viewer, dialog")) return;
    const link = document.querySelector(`.list-nav a[data-key="${event.key}"]`);
    if (link) {
      event.preventDefault();
      link.click();
    }
  });
})();
