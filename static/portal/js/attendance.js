// Attendance checklists (meeting and shared-attendance forms) and the counseling
// member checklist. Works without it: every box is shown and the server checks all.
(function () {
  "use strict";

  function updateRoll(roll) {
    var boxes = roll.querySelectorAll("input[data-present]");
    var present = 0;
    Array.prototype.forEach.call(boxes, function (box) {
      if (box.checked) { present += 1; }
      var row = box.closest(".roll-row");
      var reason = row ? row.querySelector("[data-reason-box]") : null;
      if (reason) { reason.classList.toggle("is-hidden", box.checked); }
    });
    var count = roll.querySelector("[data-present-count]");
    if (count) { count.textContent = String(present); }
    var warning = roll.querySelector("[data-quorum-warning]");
    if (warning) { warning.classList.toggle("is-hidden", present * 2 > boxes.length); }
  }

  function updateKind(select) {
    var special = select.value === "special";
    Array.prototype.forEach.call(document.querySelectorAll("[data-special-only]"), function (el) {
      el.hidden = !special;
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-roll]"), updateRoll);
    Array.prototype.forEach.call(document.querySelectorAll("[data-meeting-kind]"), updateKind);
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.matches) { return; }
    if (el.matches("input[data-present]")) {
      var roll = el.closest("[data-roll]");
      if (roll) { updateRoll(roll); }
    } else if (el.matches("[data-meeting-kind]")) {
      updateKind(el);
    }
  });

  document.addEventListener("click", function (event) {
    var btn = event.target.closest ? event.target.closest("[data-check-all], [data-check-none]") : null;
    if (!btn || !btn.form) { return; }
    var all = btn.hasAttribute("data-check-all");
    var name = btn.getAttribute(all ? "data-check-all" : "data-check-none");
    Array.prototype.forEach.call(btn.form.querySelectorAll("input[type=checkbox]"), function (box) {
      if (box.name === name) { box.checked = all; }
    });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
