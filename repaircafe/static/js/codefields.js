/* Label code fields (intake, bench, harvest, install, bins, stock): a scanner types the code and
 * presses Enter. Enter takes the code, shows it grouped (7K3M-9QXA-2) and moves on to the next
 * field instead of sending a half-filled form; a field marked data-code-submit (a form with
 * nothing else to fill) sends its form. A code read by the camera does the same. */
(function () {
  "use strict";
  var LENGTH = 9;

  function tidy(text) {
    var match = /\/i\/([^/?#]+)/i.exec(text);
    var code = (match ? match[1] : text).replace(/[\s\-_.]/g, "").toUpperCase()
      .replace(/[IL]/g, "1").replace(/O/g, "0");
    if (code.length === LENGTH && /^[0-9A-Z]+$/.test(code)) {
      return code.slice(0, 4) + "-" + code.slice(4, 8) + "-" + code.slice(8);
    }
    return text.trim() ? code : "";
  }

  function nextField(field) {
    var form = field.form;
    if (!form) { return null; }
    var fields = Array.prototype.filter.call(form.elements, function (el) {
      return !el.disabled && el.type !== "hidden" && el.offsetParent !== null &&
        /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName);
    });
    var at = fields.indexOf(field);
    return at >= 0 ? fields[at + 1] || form.querySelector("button[type=submit]") : null;
  }

  function accept(field) {
    field.value = tidy(field.value);
    if (field.hasAttribute("data-code-submit")) {
      if (field.value && field.form) { field.form.requestSubmit(); }
      return;
    }
    var next = nextField(field);
    if (next) { next.focus(); }
  }

  function setup(field) {
    if (field.getAttribute("data-code-ready")) { return; }
    field.setAttribute("data-code-ready", "1");
    field.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); accept(field); }
    });
    field.addEventListener("scanned", function () { accept(field); });
    field.addEventListener("change", function () { field.value = tidy(field.value); });
  }

  document.querySelectorAll("[data-code-field], input.codefield").forEach(setup);
  window.repaircafeCodes = { tidy: tidy };
}());
