// The words a page's scripts show, in the page's language: each script's
// messages come as JSON beside its <script> tag (web/scripts.py), gettext'd
// on the server. text() fills in %(name)s placeholders; plural() picks a
// message's form for a count with Intl.PluralRules (Korean has one form,
// English two); fragment() fills placeholders with nodes (a link, a number
// in bold) as well as text.
(function () {
  "use strict";

  const found = {};
  for (const element of document.querySelectorAll('script[type="application/json"][data-messages]')) {
    found[element.dataset.messages] = JSON.parse(element.textContent);
  }
  const rules = new Intl.PluralRules(document.documentElement.lang || "en");

  function lookup(script, key) {
    const message = (found[script] || {})[key];
    if (message === undefined) throw new Error(`no message ${script}.${key}`);
    return message;
  }

  function fill(message, values) {
    return message.replace(/%\((\w+)\)s/g, (whole, name) => (name in (values || {}) ? String(values[name]) : whole));
  }

  function form(message, count) {
    return typeof message === "string" ? message : message[rules.select(count)] || message.other;
  }

  function fragment(message, values) {
    const made = document.createDocumentFragment();
    let last = 0;
    message.replace(/%\((\w+)\)s/g, (whole, name, at) => {
      made.append(message.slice(last, at), values && name in values ? values[name] : whole);
      last = at + whole.length;
      return whole;
    });
    made.append(message.slice(last));
    return made;
  }

  window.archiveMessages = function (script) {
    return {
      text: (key, values) => fill(lookup(script, key), values),
      plural: (key, count, values) => fill(form(lookup(script, key), count), { num: count, ...values }),
      fragment: (key, values, count) => fragment(form(lookup(script, key), count === undefined ? 2 : count),
                                                 values),
      raw: (key) => lookup(script, key),
    };
  };
})();
