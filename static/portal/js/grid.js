// The requirement grid (templates/progress/grid.html): a row's expanded list of its
// requirements, and "tick all on this page" for urging. No inline scripts (CSP).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var btn = event.target.closest ? event.target.closest(".row-toggle") : null;
    if (btn) {
      var row = document.getElementById(btn.getAttribute("aria-controls"));
      var open = btn.getAttribute("aria-expanded") === "true";
      btn.setAttribute("aria-expanded", open ? "false" : "true");
      row.hidden = open;
      return;
    }
    var all = event.target.closest ? event.target.closest("[data-check-all]") : null;
    if (all) {
      var form = all.getAttribute("data-check-all");
      var boxes = document.querySelectorAll('input[type=checkbox][form="' + form + '"]');
      var any = Array.prototype.some.call(boxes, function (b) { return !b.checked; });
      boxes.forEach(function (b) { b.checked = any; });
    }
  });
})();
