// The IIIF deep-zoom viewer: OpenSeadragon, loaded from the archive only when
// the visitor opens it, reading the archive's own IIIF Image API (info.json
// and tiles). Several pictures (a set, a poster) show one at a time with a
// strip of the others.
(function () {
  "use strict";

  for (const box of document.querySelectorAll("[data-iiif-viewer]")) {
    const button = box.querySelector("[data-open-viewer]");
    const canvas = box.querySelector(".viewer-canvas");
    const sources = JSON.parse(box.dataset.sources || "[]");
    if (!sources.length) continue;
    button.hidden = false;
    button.addEventListener("click", () => {
      button.disabled = true;
      load(box.dataset.script).then(() => {
        const say = window.archiveMessages("iiif-viewer");
        const tooltips = say.raw("tooltips");
        for (const [name, text] of Object.entries(tooltips)) window.OpenSeadragon.setString(`Tooltips.${name}`, text);
        canvas.hidden = false;
        window.OpenSeadragon({
          element: canvas,
          prefixUrl: box.dataset.imagesPrefix,
          tileSources: sources,
          sequenceMode: sources.length > 1,
          showReferenceStrip: sources.length > 1,
          referenceStripScroll: "horizontal",
          showNavigator: true,
          crossOriginPolicy: false,
        });
        button.hidden = true;
        canvas.focus();
      }).catch(() => {
        button.disabled = false;
      });
    });
  }

  function load(src) {
    if (window.OpenSeadragon) return Promise.resolve();
    // OpenSeadragon adds a <style> of its own unless one it marks is there:
    // an empty one, which the page's policy allows by hash (its rule is in museum.css).
    if (!document.querySelector("style[data-openseadragon-mobile-css]")) {
      const marker = document.createElement("style");
      marker.dataset.openseadragonMobileCss = "true";
      document.head.append(marker);
    }
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = reject;
      document.head.append(script);
    });
  }
})();
