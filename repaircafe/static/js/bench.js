/* Bench actions: the barrier list only shows with End of life, a scanned label does not submit
 * the form by itself, and a form is sent once even when tapped twice. */
(function () {
  "use strict";
  document.querySelectorAll("[data-attempt]").forEach(function (form) {
    var barrier = form.querySelector("[data-barrier]");
    var update = function () {
      var chosen = form.querySelector('input[name="outcome"]:checked');
      var show = chosen && chosen.value === "end_of_life";
      barrier.hidden = !show;
      if (!show) { barrier.querySelector("select").value = ""; }
    };
    form.addEventListener("change", update);
    update();
  });
  var newCode = document.getElementById("new_code");
  if (newCode) {
    newCode.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); } });
  }
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) { window.setTimeout(function () { button.disabled = true; }, 0); }
    });
  });
}());
