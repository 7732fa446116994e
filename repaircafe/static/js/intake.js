/* The intake form: model suggestions follow the brand, the category search filters the long
 * list, Enter (the keyboard's Next) moves from field to field instead of saving, and a refused
 * or doubtful value is brought into view with its field focused. The label field is handled by
 * codefields.js. The form works without it. */
(function () {
  "use strict";

  var form = document.querySelector("[data-intake]");
  if (form) {
    var fields = function () {
      return Array.prototype.filter.call(form.querySelectorAll("[data-next-on-enter], input[type=checkbox]"),
        function (el) { return el.offsetParent !== null; });
    };
    form.querySelectorAll("[data-next-on-enter]").forEach(function (field) {
      field.addEventListener("keydown", function (e) {
        if (e.key !== "Enter" || e.shiftKey || e.isComposing) { return; }
        e.preventDefault();
        var all = fields();
        var next = all[all.indexOf(field) + 1];
        (next || form.querySelector("[data-save]")).focus();
      });
    });
    var picked = function () {
      var brand = form.querySelector("[data-brand-input]");
      if (brand && !brand.value) { brand.focus(); }
    };
    form.querySelectorAll('input[name="category"]').forEach(function (radio) {
      radio.addEventListener("click", picked);
    });

    var problem = document.querySelector("[data-field-error], [data-weight-warning]");
    if (problem) {
      problem.scrollIntoView({ block: "center" });
      var bad = form.querySelector("[data-invalid]") ||
        (document.querySelector("[data-weight-warning]") && form.querySelector('input[name="weight"]'));
      if (bad) {
        var target = bad.matches("input, textarea, select") ? bad : bad.querySelector("input");
        if (target) { target.focus({ preventScroll: true }); }
      }
    }

    var search = form.querySelector("[data-category-search]");
    if (search) {
      search.addEventListener("input", function () {
        var q = search.value.trim().toLowerCase();
        form.querySelectorAll("[data-category-name]").forEach(function (el) {
          el.hidden = q !== "" && el.getAttribute("data-category-name").indexOf(q) < 0;
        });
      });
      search.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); } });
    }

    var brand = form.querySelector("[data-brand-input]");
    var modelList = document.getElementById("model-list");
    var lastBrand = null;
    var loadModels = function () {
      var value = brand.value.trim();
      if (value === lastBrand) { return; }
      lastBrand = value;
      if (!value) { modelList.replaceChildren(); return; }
      fetch(form.getAttribute("data-models-url") + "?brand=" + encodeURIComponent(value),
            { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (models) {
          modelList.replaceChildren.apply(modelList, models.map(function (m) {
            var option = document.createElement("option");
            option.value = m;
            return option;
          }));
        }).catch(function () {});
    };
    brand.addEventListener("change", loadModels);
    brand.addEventListener("blur", loadModels);
    form.querySelector('input[name="model"]').addEventListener("focus", loadModels);
    if (brand.value.trim()) { loadModels(); }

    // One save per form, even with a double tap; the idempotency key covers retries too.
    form.addEventListener("submit", function () {
      var save = form.querySelector("[data-save]");
      window.setTimeout(function () { save.disabled = true; }, 0);
    });
  }

  var print = document.querySelector("[data-print]");
  if (print) { print.addEventListener("click", function () { window.print(); }); }
}());
