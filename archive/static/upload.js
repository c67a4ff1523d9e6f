// The upload page, enhanced: drop or pick many files or a whole folder, send
// them a few at a time to /api/uploads, and show each file's progress and
// outcome. Without JavaScript the same form posts all files at once.
(function () {
  "use strict";

  const form = document.querySelector("form[data-upload-api]");
  if (!form) return;
  const say = window.archiveMessages("upload");

  const PARALLEL = 3;
  const IMAGE_NAME = /\.(jpe?g|jpe|png|webp|tiff?|heic|heif)$/i;
  const api = form.dataset.uploadApi;
  const photoUrl = (id) => form.dataset.photoUrl.replace(/0$/, String(id));
  const fileInput = form.querySelector("input[type=file][name=photos]");
  const folderInput = form.querySelector("input[data-folder]");
  const dropZone = form.querySelector(".dropzone");
  const queueList = document.getElementById("upload-queue");
  const summary = document.getElementById("upload-summary");
  const submit = form.querySelector("button[type=submit]");

  let chosen = [];        // File objects waiting for the next Upload press
  let running = 0;
  let waiting = [];       // {file, row} still to send
  const counts = { imported: 0, duplicate: 0, rejected: 0, skipped: 0 };
  let suggestions = 0;    // matches the imported files added to the review queue
  const reviewUrl = form.dataset.reviewUrl;

  dropZone.hidden = false;
  form.classList.add("enhanced");

  function addFiles(files) {
    for (const file of files) {
      const name = file.webkitRelativePath || file.name;
      if (!IMAGE_NAME.test(name) && !file.type.startsWith("image/")) {
        const row = addRow(name);
        finish(row, "skipped", say.text("skipped"));
        continue;
      }
      chosen.push(file);
    }
    dropZone.querySelector(".chosen").textContent =
      chosen.length ? say.plural("chosen", chosen.length) : "";
  }

  fileInput.addEventListener("change", () => { addFiles(fileInput.files); });
  if (folderInput) folderInput.addEventListener("change", () => { addFiles(folderInput.files); });

  dropZone.addEventListener("dragover", (event) => {
    event.preventDefault();
    dropZone.classList.add("over");
  });
  dropZone.addEventListener("dragleave", () => dropZone.classList.remove("over"));
  dropZone.addEventListener("drop", async (event) => {
    event.preventDefault();
    dropZone.classList.remove("over");
    const entries = [...event.dataTransfer.items]
      .map((item) => item.webkitGetAsEntry && item.webkitGetAsEntry())
      .filter(Boolean);
    if (entries.length) {
      for (const entry of entries) addFiles(await filesOf(entry));
    } else {
      addFiles(event.dataTransfer.files);
    }
  });

  // A dropped folder arrives as a directory entry: read it recursively.
  async function filesOf(entry) {
    if (entry.isFile) {
      return [await new Promise((resolve, reject) => entry.file(resolve, reject))];
    }
    const reader = entry.createReader();
    const found = [];
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (!batch.length) break;
      for (const child of batch) {
        if (!child.name.startsWith(".")) found.push(...(await filesOf(child)));
      }
    }
    return found;
  }

  // The batch's trip, photographer and tags are checked before any file is
  // sent: a tag the vocabulary lacks is shown (the tags box offers to create
  // it), and the upload waits until the archivist creates it or says to go
  // on without it. The chosen files stay chosen meanwhile.
  const checkPanel = document.getElementById("upload-check");
  const tagsField = form.elements.namedItem("tags");
  let goOnWithout = null;  // the tags text the archivist agreed to upload without fixing

  function batchFields() {
    const params = new URLSearchParams();
    for (const name of ["trip", "photographer", "tags"]) {
      const field = form.elements.namedItem(name);
      params.set(name, field ? field.value : "");
    }
    return params;
  }

  async function checkBatch() {
    if (!form.dataset.checkApi) return { ok: true };
    try {
      const response = await fetch(`${form.dataset.checkApi}?${batchFields()}`, { headers: { Accept: "application/json" } });
      return response.ok ? await response.json() : { ok: true };
    } catch (error) {
      return { ok: true };  // the server decides anyway: nothing is lost either way
    }
  }

  function showCheck(result) {
    checkPanel.textContent = "";
    const problems = (result.tags || []).filter((tag) => tag.status === "unknown" || tag.status === "invalid");
    const notes = [];
    if (result.trip && result.trip.value && result.trip.known) {
      notes.push(say.text("joinsTrip", { trip: result.trip.value }));
    }
    for (const field of [result.trip, result.photographer]) {
      if (field && field.message) notes.push(field.message);
    }
    if (!problems.length && !notes.length) {
      checkPanel.hidden = true;
      return;
    }
    checkPanel.hidden = false;
    for (const note of notes) {
      const line = document.createElement("p");
      line.textContent = note;
      checkPanel.append(line);
    }
    if (problems.length) {
      checkPanel.classList.add("has-problems");
      const line = document.createElement("p");
      line.className = "check-problem";
      line.textContent = say.plural("unknownTags", problems.length, { tags: problems.map((tag) => tag.spec).join(", ") });
      const without = document.createElement("button");
      without.type = "button";
      without.className = "secondary";
      without.textContent = say.plural("uploadWithout", problems.length);
      without.addEventListener("click", () => {
        goOnWithout = tagsField ? tagsField.value : "";
        checkPanel.hidden = true;
        form.requestSubmit();
      });
      line.append(" ", without);
      checkPanel.append(line);
    } else {
      checkPanel.classList.remove("has-problems");
    }
  }

  for (const name of ["trip", "tags"]) {
    const field = form.elements.namedItem(name);
    if (field) field.addEventListener("change", async () => showCheck(await checkBatch()));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!chosen.length) {
      summary.textContent = say.text("chooseFirst");
      return;
    }
    const result = await checkBatch();
    showCheck(result);
    const problems = (result.tags || []).some((tag) => tag.status === "unknown" || tag.status === "invalid");
    const stillTyped = tagsField ? tagsField.value : "";
    if ((problems && goOnWithout !== stillTyped) || (result.trip && result.trip.message) ||
        (result.photographer && result.photographer.message)) {
      summary.textContent = say.text("nothingSent");
      checkPanel.scrollIntoView({ block: "nearest" });
      return;
    }
    for (const file of chosen) {
      waiting.push({ file, row: addRow(file.webkitRelativePath || file.name) });
    }
    chosen = [];
    fileInput.value = "";
    if (folderInput) folderInput.value = "";
    dropZone.querySelector(".chosen").textContent = "";
    pump();
  });

  function addRow(name) {
    const row = document.createElement("li");
    row.className = "outcome outcome-pending";
    const label = document.createElement("span");
    label.className = "filename";
    label.textContent = name;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", say.text("uploadOf", { name }));
    const status = document.createElement("span");
    status.className = "status";
    status.textContent = say.text("waiting");
    const text = document.createElement("span");
    text.className = "outcome-text";
    text.append(label, bar, status);
    row.append(text);
    queueList.append(row);
    return row;
  }

  function pump() {
    while (running < PARALLEL && waiting.length) {
      const job = waiting.shift();
      running += 1;
      send(job).finally(() => {
        running -= 1;
        pump();
        updateSummary();
      });
    }
    updateSummary();
  }

  function send({ file, row }) {
    const data = new FormData();
    data.append("photos", file, file.name);
    for (const name of ["trip", "photographer", "tags"]) {
      const field = form.elements.namedItem(name);
      if (field) data.append(name, field.value);
    }
    const token = form.elements.namedItem("csrf_token");
    row.querySelector(".status").textContent = say.text("uploading");
    return new Promise((resolve) => {
      const request = new XMLHttpRequest();
      request.open("POST", api);
      if (token) request.setRequestHeader("X-CSRFToken", token.value);
      request.responseType = "json";
      request.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) row.querySelector("progress").value = (100 * event.loaded) / event.total;
      });
      request.addEventListener("load", () => {
        const body = request.response || {};
        if (request.status === 200 && body.results && body.results.length) {
          suggestions += body.new_suggestions || 0;
          show(row, body.results[0]);
        } else {
          finish(row, "rejected", say.text("rejected", {
            reason: body.error || say.text("answered", { status: request.status }) }));
        }
        resolve();
      });
      request.addEventListener("error", () => {
        finish(row, "rejected", say.text("lost"));
        resolve();
      });
      request.send(data);
    });
  }

  function show(row, outcome) {
    const status = row.querySelector(".status");
    if (outcome.status === "imported") {
      finish(row, "imported", "");
      status.append(say.fragment("importedAs", { photo: link(outcome.photo_id) }));
    } else if (outcome.status === "duplicate") {
      finish(row, "duplicate", "");
      status.append(say.fragment("duplicateOf", { photo: link(outcome.duplicate_of) }));
    } else {
      finish(row, "rejected", say.text("rejected", { reason: outcome.reason }));
    }
    // The photo's thumbnail (or that of the one it duplicates) in its row.
    if (outcome.thumbnail_url) {
      const thumb = document.createElement("img");
      thumb.className = "outcome-thumb";
      thumb.src = outcome.thumbnail_url;
      thumb.alt = "";
      thumb.width = 64;
      thumb.height = 48;
      row.prepend(thumb);
    }
    if (outcome.matches && outcome.matches.length) {
      row.classList.add("has-matches");
      const list = document.createElement("ul");
      list.className = "matches";
      for (const match of outcome.matches) list.append(matchLine(match));
      row.querySelector(".outcome-text").append(list);
    }
    for (const warning of outcome.warnings || []) {
      const note = document.createElement("span");
      note.className = "warning";
      note.textContent = say.raw("warnings")[warning] || warning;
      row.querySelector(".outcome-text").append(note);
    }
  }

  // "Looks like photo 14 · smaller copy (50 %) · review", with its thumbnail
  // (templates/upload/_outcomes.html says the same without JavaScript).
  function matchLine(match) {
    const item = document.createElement("li");
    item.className = "match";
    if (match.thumbnail_url) {
      const thumb = document.createElement("img");
      thumb.src = match.thumbnail_url;
      thumb.alt = "";
      thumb.width = 56;
      thumb.height = 42;
      item.append(thumb);
    }
    const text = document.createElement("span");
    const photo = document.createElement("a");
    photo.href = match.url || photoUrl(match.photo_id);
    photo.textContent = say.text("photo", { id: match.photo_id });
    const reason = document.createElement("span");
    reason.className = "match-reason";
    reason.textContent = match.reason ||
      (match.kind === "duplicate" ? say.text("samePhotograph") : say.text("anotherShot"));
    const review = document.createElement("a");
    review.className = "match-review";
    review.href = match.review_url || reviewUrl;
    review.textContent = say.text("review");
    const said = document.createElement("span");
    said.append(say.fragment("looksLike", { photo }));
    text.append(said, " ", reason, " ", review);
    item.append(text);
    return item;
  }

  function link(id) {
    const a = document.createElement("a");
    a.href = photoUrl(id);
    a.textContent = say.text("photo", { id });
    return a;
  }

  function finish(row, kind, text) {
    row.className = `outcome outcome-${kind}`;
    row.querySelector("progress").value = 100;
    row.querySelector(".status").textContent = text;
    counts[kind] += 1;
    updateSummary();
  }

  function updateSummary() {
    const left = waiting.length + running;
    const numbers = { imported: counts.imported, rejected: counts.rejected, skipped: counts.skipped };
    const done = counts.skipped ? say.plural("summarySkipped", counts.duplicate, numbers)
      : say.plural("summary", counts.duplicate, numbers);
    summary.textContent = left ? say.text("toGo", { summary: done, num: left }) : done;
    if (suggestions) {
      const link = document.createElement("a");
      link.className = "review-link";
      link.href = reviewUrl;
      link.textContent = say.plural("newSuggestions", suggestions);
      summary.append(" ", link);
    }
    submit.disabled = false;
  }

  // Leaving mid-batch would drop the files still waiting: ask first.
  window.addEventListener("beforeunload", (event) => {
    if (waiting.length + running > 0) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
