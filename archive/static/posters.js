// Posters: drag on a photo to mark where a poster is (filling the form's
// x, y, w, h in the photo's full pixels), and the "link to" menu choosing
// the poster a photo is linked to. Without JavaScript the numbers are typed.
(function () {
  "use strict";

  function setUpDrawing(frame) {
    var form = document.getElementById(frame.dataset.drawRegion);
    var rect = frame.querySelector(".region-drawing");
    var fullWidth = Number(frame.dataset.fullWidth), fullHeight = Number(frame.dataset.fullHeight);
    if (!form || !rect) return;
    var start = null;

    function point(event) {
      var box = frame.getBoundingClientRect();
      var x = Math.min(Math.max(event.clientX - box.left, 0), box.width);
      var y = Math.min(Math.max(event.clientY - box.top, 0), box.height);
      return { x: Math.round(x * fullWidth / box.width), y: Math.round(y * fullHeight / box.height) };
    }

    function show(a, b) {
      var region = { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), w: Math.abs(a.x - b.x), h: Math.abs(a.y - b.y) };
      rect.setAttribute("x", region.x);
      rect.setAttribute("y", region.y);
      rect.setAttribute("width", region.w);
      rect.setAttribute("height", region.h);
      ["x", "y", "w", "h"].forEach(function (key) {
        var input = form.querySelector('[data-region="' + key + '"]');
        if (input) input.value = region.w && region.h ? region[key] : "";
      });
    }

    frame.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      start = point(event);
      frame.setPointerCapture(event.pointerId);
    });
    frame.addEventListener("pointermove", function (event) {
      if (start) show(start, point(event));
    });
    frame.addEventListener("pointerup", function (event) {
      if (start) show(start, point(event));
      start = null;
    });
  }

  function setUpLinkChoice(select) {
    var button = select.parentElement.querySelector("[data-link-button]");
    if (!button) return;
    select.addEventListener("change", function () { button.setAttribute("formaction", select.value); });
  }

  document.querySelectorAll("[data-draw-region]").forEach(setUpDrawing);
  document.querySelectorAll("[data-link-target]").forEach(setUpLinkChoice);
})();
