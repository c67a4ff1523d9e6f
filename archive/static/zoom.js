// Pan and zoom into the full-resolution photo on its page. The display image
// is enlarged in place; as the zoom grows, a sharper copy is fetched from the
// archive's own IIIF Image API (never a CDN), up to the original's full size.
(function () {
  "use strict";

  const viewport = document.querySelector("[data-zoom]");
  if (!viewport) return;
  const image = viewport.querySelector("img");
  const iiif = viewport.dataset.iiif;
  const fullWidth = Number(viewport.dataset.fullWidth);
  const MAX_SCALE = Math.max(1, fullWidth / image.width) * 2;
  const STEP = 512; // requested widths are rounded up to this, so caches are shared
  let scale = 1;
  let x = 0;
  let y = 0;
  let loadedWidth = image.naturalWidth || image.width;
  let wanted = 0;

  const controls = document.createElement("div");
  controls.className = "zoom-controls";
  const say = window.archiveMessages("zoom");
  controls.innerHTML = `
    <button type="button" data-zoom-by="1.5">+</button>
    <button type="button" data-zoom-by="0.6667">−</button>
    <button type="button" data-zoom-reset></button>
    <span class="zoom-level" aria-live="polite">100%</span>`;
  controls.querySelector('[data-zoom-by="1.5"]').setAttribute("aria-label", say.text("zoomIn"));
  controls.querySelector('[data-zoom-by="0.6667"]').setAttribute("aria-label", say.text("zoomOut"));
  controls.querySelector("[data-zoom-reset]").setAttribute("aria-label", say.text("fit"));
  controls.querySelector("[data-zoom-reset]").textContent = say.text("fitShort");
  viewport.after(controls);
  viewport.tabIndex = 0;
  viewport.setAttribute("aria-label", say.text("viewport"));
  viewport.classList.add("zoomable");

  function apply() {
    const box = viewport.getBoundingClientRect();
    // Keep the image covering the viewport: no panning off into nothing.
    x = Math.min(0, Math.max(box.width - image.width * scale, x));
    y = Math.min(0, Math.max(box.height - image.height * scale, y));
    image.style.transform = `translate(${x}px, ${y}px) scale(${scale})`;
    controls.querySelector(".zoom-level").textContent = `${Math.round(scale * 100)}%`;
    viewport.classList.toggle("zoomed", scale > 1);
    sharpen();
  }

  function zoomAt(factor, cx, cy) {
    const next = Math.min(MAX_SCALE, Math.max(1, scale * factor));
    // The point under the cursor stays under the cursor.
    x = cx - ((cx - x) * next) / scale;
    y = cy - ((cy - y) * next) / scale;
    scale = next;
    apply();
  }

  function sharpen() {
    const needed = Math.min(fullWidth, Math.ceil((image.width * scale * (window.devicePixelRatio || 1)) / STEP) * STEP);
    if (needed <= loadedWidth * 1.05 || needed <= wanted) return;
    wanted = needed;
    const sharper = new Image();
    sharper.addEventListener("load", () => {
      if (sharper.naturalWidth > loadedWidth) {
        image.removeAttribute("srcset");
        image.src = sharper.src;
        loadedWidth = sharper.naturalWidth;
      }
    });
    sharper.src = `${iiif}/full/${needed === fullWidth ? "max" : needed + ","}/0/default.jpg`;
  }

  controls.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    const box = viewport.getBoundingClientRect();
    if (button.hasAttribute("data-zoom-reset")) {
      scale = 1; x = 0; y = 0; apply();
    } else {
      zoomAt(Number(button.dataset.zoomBy), box.width / 2, box.height / 2);
    }
  });

  viewport.addEventListener("wheel", (event) => {
    event.preventDefault();
    const box = viewport.getBoundingClientRect();
    zoomAt(event.deltaY < 0 ? 1.25 : 0.8, event.clientX - box.left, event.clientY - box.top);
  }, { passive: false });

  let drag = null;
  viewport.addEventListener("pointerdown", (event) => {
    if (scale === 1) return;
    drag = { px: event.clientX, py: event.clientY, x, y };
    viewport.setPointerCapture(event.pointerId);
  });
  viewport.addEventListener("pointermove", (event) => {
    if (!drag) return;
    x = drag.x + event.clientX - drag.px;
    y = drag.y + event.clientY - drag.py;
    apply();
  });
  viewport.addEventListener("pointerup", () => { drag = null; });

  viewport.addEventListener("keydown", (event) => {
    const box = viewport.getBoundingClientRect();
    const pan = { ArrowLeft: [60, 0], ArrowRight: [-60, 0], ArrowUp: [0, 60], ArrowDown: [0, -60] }[event.key];
    if (event.key === "+" || event.key === "=") zoomAt(1.5, box.width / 2, box.height / 2);
    else if (event.key === "-") zoomAt(0.6667, box.width / 2, box.height / 2);
    else if (event.key === "0") { scale = 1; x = 0; y = 0; apply(); }
    else if (pan && scale > 1) { x += pan[0]; y += pan[1]; apply(); }
    else return;
    event.preventDefault();
  });
})();
