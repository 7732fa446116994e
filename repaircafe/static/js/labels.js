// A printer profile is calibrated for one layout: choosing the printer chooses its layout.
// A roll has no "start at label": every label is its own page. Where a form previews as
// you choose (data-autosubmit), changing a list shows the new preview at once.
"use strict";
document.querySelectorAll("form").forEach((form) => {
  const profile = form.querySelector("[data-role=profile]");
  const layout = form.querySelector("[data-role=layout]");
  if (!profile || !layout) return;
  const hint = form.querySelector("[data-role=layout-hint]");
  const start = form.querySelector("[data-role=start]");
  const follow = () => {
    const chosen = profile.selectedOptions[0];
    const wanted = chosen && chosen.dataset.layout;
    if (wanted) layout.value = wanted;
    layout.disabled = Boolean(wanted);
    if (hint) hint.hidden = !wanted;
    const option = layout.selectedOptions[0];
    if (start) start.hidden = Boolean(option && "roll" in option.dataset);
  };
  profile.addEventListener("change", follow);
  layout.addEventListener("change", follow);
  follow();
  if ("autosubmit" in form.dataset) {
    form.addEventListener("change", (event) => {
      if (event.target.tagName === "SELECT") form.requestSubmit();
    });
  }
});
