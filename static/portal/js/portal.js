// Small progressive enhancements. No inline scripts anywhere: the CSP forbids them.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]")) {
      el.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var btn = event.target.closest ? event.target.closest("[data-toggle-nav]") : null;
    if (!btn) { return; }
    var nav = document.getElementById(btn.getAttribute("aria-controls"));
    var open = btn.getAttribute("aria-expanded") === "true";
    btn.setAttribute("aria-expanded", open ? "false" : "true");
    nav.classList.toggle("open", !open);
  });
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  // Lists as cards on a phone (table.cards, portal.css): each cell carries its column's
  // heading in data-label, shown above or beside the value once the table is stacked;
  // the row's first cell (or the one marked .card-title) is the card's title. Cells
  // the template labels itself keep their own data-label.
  function labelCards(root) {
    if (!root.querySelectorAll) { return; }
    var tables = Array.prototype.slice.call(root.querySelectorAll("table.cards"));
    if (root.matches && root.matches("table.cards")) { tables.push(root); }
    tables.forEach(function (table) {
      var headRows = table.tHead ? table.tHead.rows : [];
      var labels = [];
      if (headRows.length) {
        Array.prototype.forEach.call(headRows[headRows.length - 1].cells, function (th) {
          var text = th.textContent.replace(/\s+/g, " ").trim();
          for (var i = 0; i < (th.colSpan || 1); i += 1) { labels.push(text); }
        });
      }
      var bodies = Array.prototype.slice.call(table.tBodies);
      if (table.tFoot) { bodies.push(table.tFoot); }
      bodies.forEach(function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          var column = 0;
          var titled = row.querySelector(".card-title");
          Array.prototype.forEach.call(row.cells, function (cell, index) {
            if (!titled && index === 0) { cell.classList.add("card-title"); }
            var label = labels[column];
            if (label && !cell.hasAttribute("data-label") && !cell.classList.contains("card-title")) {
              cell.setAttribute("data-label", label);
            }
            column += cell.colSpan || 1;
          });
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { labelCards(document); });
  document.addEventListener("htmx:load", function (event) { labelCards(event.target); });
})();
