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
              // A trip box takes the trip's name as written; a one-facet box its slug.
              var value = input.getAttribute("data-value") === "label" ? tag.label
                : input.hasAttribute("data-facet") ? tag.slug : prefix + tag.spec;
              option.value = value;
              option.label = tag.label + (tag.label_ko ? " · " + tag.label_ko : "") + " (" + tag.photos + ")";
              list.appendChild(option);
            });
          })
          .catch(function () { /* no suggestions; typing still works */ });
      }, 150);
    });
  }

  var say = window.archiveMessages("tagging");

  // Tick many photos quickly: a button for the whole page, shift-click for a range.
  function selection() {
    var boxes = Array.prototype.slice.call(document.querySelectorAll("[data-select-photo]"));
    if (!boxes.length) return;
    var counter = document.querySelector("[data-ticked-count]");
    function count() {
      if (!counter) return;
      var ticked = boxes.filter(function (box) { return box.checked; }).length;
      counter.textContent = ticked ? say.text("ticked", { num: ticked }) : "";
    }
    var all = document.querySelector("[data-select-all]");
    if (all) {
      all.hidden = false;
      all.addEventListener("click", function () {
        var tick = boxes.some(function (box) { return !box.checked; });
        boxes.forEach(function (box) { box.checked = tick; });
        all.textContent = tick ? say.text("untickAll") : say.text("tickAll");
        count();
      });
    }
    boxes.forEach(function (box) { box.addEventListener("change", count); });
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

  // A tag box checks what is typed against the vocabulary: a set, subject or
  // film it does not know is marked, with a button that creates it.
  function tagBox(input) {
    var status = document.createElement("div");
    status.className = "tag-check";
    status.id = input.id + "-check";
    status.setAttribute("aria-live", "polite");
    // Under the box's help, when it has some.
    var next = input.nextElementSibling;
    (next && next.classList.contains("help") ? next : input).insertAdjacentElement("afterend", status);
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    described.push(status.id);
    input.setAttribute("aria-describedby", described.join(" "));
    var token = document.querySelector('meta[name="csrf-token"]');
    var timer = null;
    var asked = null;

    function check(force) {
      var value = input.value.trim();
      if (!force && value === asked) return Promise.resolve(input.tagProblems || []);
      asked = value;
      if (!value) {
        show([]);
        return Promise.resolve([]);
      }
      return fetch(input.getAttribute("data-check") + "?tags=" + encodeURIComponent(value), {
        headers: { Accept: "application/json" }
      })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          var problems = data.results.filter(function (r) { return r.status === "unknown" || r.status === "invalid"; });
          show(problems);
          return problems;
        })
        .catch(function () { return []; });
    }

    function show(problems) {
      input.tagProblems = problems;
      status.textContent = "";
      if (problems.length) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
      problems.forEach(function (problem) {
        var line = document.createElement("p");
        line.className = "tag-problem";
        var text = document.createElement("span");
        text.textContent = problem.status === "unknown"
          ? say.text("unknown", { facet: facetName(problem.facet), name: problem.value })
          : problem.spec + ": " + problem.message + ".";
        line.appendChild(text);
        if (problem.create) {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "create-tag";
          button.textContent = say.text("create", { facet: facetName(problem.create.facet), name: problem.create.name });
          button.addEventListener("click", function () { create(problem.create, button); });
          line.appendChild(button);
        }
        status.appendChild(line);
      });
    }

    function create(what, button) {
      button.disabled = true;
      fetch(input.getAttribute("data-create"), {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json",
                   "X-CSRFToken": token ? token.content : "" },
        body: JSON.stringify({ facet: what.facet, name: what.name })
      })
        .then(function (response) { return response.json().then(function (body) { return [response, body]; }); })
        .then(function (result) {
          if (!result[0].ok) {
            button.disabled = false;
            button.textContent = result[1].error || say.text("notCreated");
            return;
          }
          var made = document.createElement("p");
          made.className = "tag-made";
          made.textContent = say.text("created", { facet: facetName(result[1].facet), name: result[1].label });
          check(true).then(function () { status.appendChild(made); });
        })
        .catch(function () { button.disabled = false; });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { check(false); }, 600);
    });
    input.addEventListener("change", function () { check(false); });
    input.tagCheck = check;
  }

  function facetName(facet) {
    return say.raw("facets")[facet] || facet;
  }

  document.querySelectorAll("[data-autocomplete]").forEach(autocomplete);
  document.querySelectorAll("[data-tag-box]").forEach(tagBox);
  selection();
})();
