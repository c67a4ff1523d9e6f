// Tag autocomplete and photo selection. Everything here only helps: the forms
// submit and work the same without it.
(function () {
  "use strict";

  // Fill the shared <datalist> from the vocabulary endpoint named by
  // data-autocomplete, matching the last
  // comma-separated part of what is being typed.
  function autocomplete(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    var timer = null;
    var lastAsked = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var parts = input.value.split(",");
        var current = parts.pop().trim();
        var prefix = parts.length ? parts.join(",") + ", " : "";
        var facet = input.getAttribute("data-facet") || "";
        var term = current.replace(/^[a-z]+:/i, "");
        if (current.indexOf(":") > 0 && !facet) facet = current.split(":")[0].toLowerCase();
        if (!term || term === lastAsked) return;
        lastAsked = term;
        var url = input.getAttribute("data-autocomplete") + "?q=" + encodeURIComponent(term) + (facet ? "&facet=" + encodeURIComponent(facet) : "");
        fetch(url, { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) {
            list.textContent = "";
            data.results.forEach(function (tag) {
              var option = document.createElement("option");
              option.value = input.hasAttribute("data-facet") ? tag.slug : prefix + tag.spec;
              option.label = tag.label + (tag.label_ko ? " · " + tag.label_ko : "") + " (" + tag.photos + ")";
              list.appendChild(option);
            });
          })
          .catch(function () { /* no suggestions; typing still works */ });
      }, 150);
    });
  }

  // Tick many photos quickly: a button for the whole page, shift-click for a range.
  function selection() {
    var boxes = Array.prototype.slice.call(document.querySelectorAll("[data-select-photo]"));
    if (!boxes.length) return;
    var all = document.querySelector("[data-select-all]");
    if (all) {
      all.hidden = false;
      all.addEventListener("click", function () {
        var tick = boxes.some(function (box) { return !box.checked; });
        boxes.forEach(function (box) { box.checked = tick; });
        all.textContent = tick ? "Untick all on this page" : "Tick all on this page";
      });
    }
    var lastIndex = null;
    boxes.forEach(function (box, index) {
      box.addEventListener("click", function (event) {
        if (event.shiftKey && lastIndex !== null) {
          var low = Math.min(lastIndex, index), high = Math.max(lastIndex, index);
          for (var i = low; i <= high; i++) boxes[i].checked = box.checked;
        }
        lastIndex = index;
      });
    });
  }

  document.querySelectorAll("[data-autocomplete]").forEach(autocomplete);
  selection();
})();
