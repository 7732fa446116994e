/* The intake form: a scanned label moves on to the category, model suggestions follow the
 * brand, the category search filters the long list. The form works without it. */
(function () {
  "use strict";

  function codeOf(text) {
    var match = /\/i\/([^/?#]+)/i.exec(text);
    return (match ? match[1] : text).trim().toUpperCase();
  }

  var form = document.querySelector("[data-intake]");
  if (form) {
    var label = form.querySelector("[data-label-input]");
    var firstCategory = function () { return form.querySelector('input[name="category"]'); };
    var accept = function () {
      label.value = codeOf(label.value);
      var next = firstCategory();
      if (next) { next.focus(); }
    };
    // A scanner ends with Enter: take the code, do not submit a half-filled form.
    label.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); accept(); }
    });
    label.addEventListener("scanned", accept);

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
