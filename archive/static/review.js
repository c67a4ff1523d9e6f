// Keyboard shortcuts for the review screens, and the live state of a group.
//
// On the pair screen each control that has a shortcut says so in a
// data-shortcut attribute (a letter) or data-key (a digit for radios).
// On a group's screen (#cluster-form) a photo is picked with 1-9 or the arrow
// keys, then D / R / N mark it (the same photograph, another shot, not
// related), P keeps it as the primary, A marks every photo the same, Enter
// saves; S and U are the page's links and forms as on the pair screen.
(function () {
  "use strict";

  const cluster = document.getElementById("cluster-form");
  const tiles = cluster ? Array.from(cluster.querySelectorAll(".tile")) : [];
  const MARK_KEYS = { d: "same", r: "other", n: "unrelated" };
  let current = tiles.length > 1 ? 1 : 0;  // the first photo after the primary

  function typing(target) {
    return target && (target.isContentEditable ||
      (/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) && target.type !== "radio" && target.type !== "checkbox"));
  }

  function markOf(tile) {
    const checked = tile.querySelector('.marks input:checked');
    return checked ? checked.value : "same";
  }

  function setMark(tile, mark) {
    if (tile.classList.contains("is-primary") && mark !== "same") return;  // the primary is the photograph
    const radio = tile.querySelector('.marks input[value="' + mark + '"]');
    if (radio) radio.checked = true;
    refresh();
  }

  function makePrimary(tile) {
    const keep = tile.querySelector('input[name="primary_id"]');
    if (keep) keep.checked = true;
    setMark(tile, "same");
    refresh();
  }

  // Classes, the primary's badge and locked marks, and the tally follow the form.
  function refresh() {
    const counts = { same: 0, other: 0, unrelated: 0 };
    for (const tile of tiles) {
      const primary = tile.querySelector('input[name="primary_id"]').checked;
      tile.classList.toggle("is-primary", primary);
      tile.querySelector(".primary-badge").hidden = !primary;
      for (const radio of tile.querySelectorAll(".marks input")) {
        radio.disabled = primary && radio.value !== "same";
        if (primary && radio.value === "same") radio.checked = true;
      }
      const mark = markOf(tile);
      counts[mark] += 1;
      tile.classList.remove("mark-same", "mark-other", "mark-unrelated");
      tile.classList.add("mark-" + mark);
    }
    const tally = document.getElementById("tally");
    if (tally) {
      const say = window.archiveMessages("review");
      tally.textContent = "";
      const bold = function (count) {
        const strong = document.createElement("strong");
        strong.textContent = String(count);
        return { num: strong };
      };
      tally.append(say.fragment("same", bold(counts.same), counts.same), " · ",
        say.fragment("other", bold(counts.other), counts.other), " · ",
        say.fragment("unrelated", bold(counts.unrelated), counts.unrelated));
    }
  }

  function pick(index) {
    if (!tiles.length) return;
    current = Math.max(0, Math.min(tiles.length - 1, index));
    tiles[current].focus();
    tiles[current].scrollIntoView({ block: "nearest" });
  }

  function columns() {
    if (tiles.length < 2) return 1;
    const top = tiles[0].getBoundingClientRect().top;
    const first = tiles.findIndex(function (tile) { return tile.getBoundingClientRect().top > top + 1; });
    return first === -1 ? tiles.length : first;
  }

  if (cluster) {
    cluster.addEventListener("change", refresh);
    for (const tile of tiles) {
      tile.addEventListener("focusin", function () { current = tiles.indexOf(tile); });
    }
    refresh();
  }

  function clusterKey(event, key) {
    const digit = Number(key);
    if (key.length === 1 && digit >= 1 && digit <= 9 && digit <= tiles.length) {
      pick(digit - 1);
      return true;
    }
    const moves = { arrowright: 1, arrowleft: -1, arrowdown: columns(), arrowup: -columns() };
    if (key in moves && !(event.target && event.target.type === "radio")) {
      pick(current + moves[key]);
      return true;
    }
    if (key in MARK_KEYS) {
      setMark(tiles[current], MARK_KEYS[key]);
      return true;
    }
    if (key === "p") {
      makePrimary(tiles[current]);
      return true;
    }
    if (key === "a") {
      for (const tile of tiles) setMark(tile, "same");
      return true;
    }
    if (key === "enter" && !(event.target && /^(BUTTON|A)$/.test(event.target.tagName))) {
      cluster.requestSubmit();
      return true;
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (typing(target)) return;
    const key = event.key.toLowerCase();
    if (cluster && clusterKey(event, key)) {
      event.preventDefault();
      return;
    }
    const radio = document.querySelector('input[type="radio"][data-key="' + key + '"]');
    if (radio) {
      radio.checked = true;
      radio.focus();
      event.preventDefault();
      return;
    }
    const control = document.querySelector('[data-shortcut="' + key + '"]');
    if (!control) return;
    event.preventDefault();
    if (control.tagName === "FORM") {
      control.requestSubmit();
    } else {
      control.click();  // a submit button sends its own decision; a link follows
    }
  });
})();
