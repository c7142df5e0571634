// Attendance checklists (meeting and shared-attendance forms) and the counseling
// member checklist. Works without it: every box is shown and the server checks all.
(function () {
  "use strict";

  function updateRoll(roll) {
    var boxes = Array.prototype.filter.call(
      roll.querySelectorAll("input[data-present]"),
      function (box) { return !box.disabled; }
    );
    var present = 0;
    boxes.forEach(function (box) {
      if (box.checked) { present += 1; }
      var row = box.closest(".roll-row");
      var reason = row ? row.querySelector("[data-reason-box]") : null;
      if (reason) { reason.classList.toggle("is-hidden", box.checked); }
    });
    var count = roll.querySelector("[data-present-count]");
    if (count) { count.textContent = String(present); }
    var expected = roll.querySelector("[data-expected-count]");
    if (expected) { expected.textContent = String(boxes.length); }
    var warning = roll.querySelector("[data-quorum-warning]");
    if (warning) { warning.classList.toggle("is-hidden", present * 2 > boxes.length); }
  }

  // Who the meeting's kind expects (the server decides on save): the committee for a
  // branch committee meeting, the picked group's members for a Party group meeting,
  // everyone else. Lines of members not expected are hidden and not sent.
  function updateExpected() {
    var kind = document.querySelector("[data-meeting-kind]");
    var group = document.querySelector("[data-party-group]");
    if (!kind) { return; }
    var groupField = group ? group.closest(".field") : null;
    if (groupField) { groupField.classList.toggle("is-hidden", kind.value !== "party_group"); }
    Array.prototype.forEach.call(document.querySelectorAll(".roll-row[data-committee]"), function (row) {
      var expected = true;
      if (kind.value === "branch_committee") {
        expected = row.getAttribute("data-committee") === "1";
      } else if (kind.value === "party_group") {
        var groups = (row.getAttribute("data-groups") || "").split(" ");
        expected = !!(group && group.value) && groups.indexOf(group.value) !== -1;
      }
      row.classList.toggle("is-hidden", !expected);
      Array.prototype.forEach.call(row.querySelectorAll("input"), function (input) {
        input.disabled = !expected;
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-roll]"), updateRoll);
  }

  function updateKind(select) {
    var special = select.value === "special";
    Array.prototype.forEach.call(document.querySelectorAll("[data-special-only]"), function (el) {
      el.hidden = !special;
    });
    updateExpected();
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
    } else if (el.matches("[data-party-group]")) {
      updateExpected();
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
