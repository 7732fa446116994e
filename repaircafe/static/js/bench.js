/* Bench actions: the barrier list only shows with End of life and next steps with Repairable,
 * a refused save shows its message beside the field (scrolled into view, field focused), a
 * saved entry is brought into view with its message, and a form is sent once even when tapped
 * twice. */
(function () {
  "use strict";
  document.querySelectorAll("[data-attempt]").forEach(function (form) {
    var barrier = form.querySelector("[data-barrier]");
    var steps = form.querySelector("[data-next-steps]");
    var source = form.querySelector("[data-parts-source]");
    var update = function () {
      var chosen = form.querySelector('input[name="outcome"]:checked');
      var outcome = chosen ? chosen.value : "";
      barrier.hidden = outcome !== "end_of_life";
      if (barrier.hidden) { barrier.querySelector("select").value = ""; }
      steps.hidden = outcome !== "repairable";
      if (steps.hidden) { steps.querySelector("select").value = ""; }
      var parts = form.querySelector('input[name="spare_parts"]:checked');
      source.hidden = !parts || parts.value !== "yes";
      if (source.hidden) { source.querySelector("select").value = ""; }
    };
    form.addEventListener("change", update);
    update();
  });

  var problem = document.querySelector("[data-field-error]");
  if (problem) {
    var holder = problem.closest("details");
    while (holder) { holder.open = true; holder = holder.parentElement && holder.parentElement.closest("details"); }
    var field = document.querySelector("[data-invalid]");
    var focusable = field && (field.matches("input, select, textarea") ? field
      : field.querySelector("input, select, textarea"));
    problem.scrollIntoView({ block: "center" });
    if (focusable) { focusable.focus({ preventScroll: true }); }
  } else {
    var saved = document.querySelector("[data-saved]");
    if (saved) { saved.scrollIntoView({ block: "center" }); }
  }

  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) { window.setTimeout(function () { button.disabled = true; }, 0); }
    });
  });
}());
