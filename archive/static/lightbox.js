// A lightbox over any grid of photo cards: click a card (or press Enter on
// it) to see the display image; ← and → move through the grid, Esc closes.
// The cards stay plain links, so without JavaScript they open the photo page.
(function () {
  "use strict";

  const links = [...document.querySelectorAll("a[data-lightbox]")];
  if (!links.length) return;

  const say = window.archiveMessages("lightbox");
  const dialog = document.createElement("dialog");
  dialog.className = "lightbox";
  dialog.setAttribute("aria-label", say.text("viewer"));
  dialog.innerHTML = `
    <figure>
      <img alt="">
      <figcaption><a class="lightbox-title"></a> <span class="lightbox-position"></span></figcaption>
    </figure>
    <button type="button" class="lightbox-prev">←</button>
    <button type="button" class="lightbox-next">→</button>
    <button type="button" class="lightbox-close">×</button>`;
  dialog.querySelector(".lightbox-prev").setAttribute("aria-label", say.text("previous"));
  dialog.querySelector(".lightbox-next").setAttribute("aria-label", say.text("next"));
  dialog.querySelector(".lightbox-close").setAttribute("aria-label", say.text("close"));
  document.body.append(dialog);
  const image = dialog.querySelector("img");
  const title = dialog.querySelector(".lightbox-title");
  const position = dialog.querySelector(".lightbox-position");
  let current = -1;

  function show(index) {
    current = (index + links.length) % links.length;
    const link = links[current];
    const thumb = link.querySelector("img");
    image.src = link.dataset.lightbox;
    image.alt = thumb ? thumb.alt : "";
    title.textContent = link.dataset.title || image.alt;
    title.href = link.href;
    position.textContent = say.text("position", { position: current + 1, total: links.length });
    if (!dialog.open) dialog.showModal();
    // Fetch the neighbours now, so moving on feels instant.
    for (const step of [1, -1]) {
      const next = links[(current + step + links.length) % links.length];
      new Image().src = next.dataset.lightbox;
    }
  }

  links.forEach((link, index) => {
    link.addEventListener("click", (event) => {
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      show(index);
    });
  });

  dialog.querySelector(".lightbox-prev").addEventListener("click", () => show(current - 1));
  dialog.querySelector(".lightbox-next").addEventListener("click", () => show(current + 1));
  dialog.querySelector(".lightbox-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("keydown", (event) => {
    if (event.key === "ArrowRight") { event.preventDefault(); show(current + 1); }
    if (event.key === "ArrowLeft") { event.preventDefault(); show(current - 1); }
  });
  // A click on the backdrop (outside the figure and buttons) closes it.
  dialog.addEventListener("click", (event) => { if (event.target === dialog) dialog.close(); });
  dialog.addEventListener("close", () => {
    if (links[current]) links[current].focus();
  });
})();
