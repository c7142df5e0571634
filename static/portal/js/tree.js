// Organization tree: each toggle button shows or hides the list of child nodes it
// controls. htmx loads the children on the first click (hx-trigger="click once");
// this script keeps aria-expanded and the list's `hidden` attribute in step.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var btn = event.target.closest ? event.target.closest("[data-tree-toggle]") : null;
    if (!btn) { return; }
    var list = document.getElementById(btn.getAttribute("aria-controls"));
    var open = btn.getAttribute("aria-expanded") === "true";
    btn.setAttribute("aria-expanded", open ? "false" : "true");
    if (list) { list.hidden = open; }
  });
})();
