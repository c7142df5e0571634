// The requirement grid (templates/progress/grid.html): a row's expanded list of its
// requirements, built from the row's own cells and the column headings the first time
// it is opened (the page sends each reason once), and "tick all on this page" for
// urging. No inline scripts (CSP).
(function () {
  "use strict";

  function buildList(detailRow) {
    var list = detailRow.querySelector(".detail-list");
    if (!list || list.childElementCount) { return; }
    var table = detailRow.closest("table");
    var heads = table.querySelectorAll("thead th.req-head");
    var row = detailRow.previousElementSibling;
    var cells = row.querySelectorAll("td.cell");
    var sep = table.getAttribute("data-separator") || ": ";
    var openWord = table.getAttribute("data-open") || "Open";
    cells.forEach(function (cell, i) {
      var item = document.createElement("li");
      var level = (cell.className.match(/cell-(\w+)/) || [])[1] || "na";
      item.className = "detail detail-" + level;
      var sym = document.createElement("span");
      sym.className = "sym";
      sym.setAttribute("aria-hidden", "true");
      var shown = cell.querySelector("[aria-hidden=true]");
      sym.textContent = shown ? shown.textContent : "";
      item.appendChild(sym);
      item.appendChild(document.createTextNode(" " + (heads[i] ? heads[i].getAttribute("title") : "") + sep));
      var tip = cell.querySelector(".cell-tip") || cell.querySelector(".sr-only");
      if (tip) {
        var words = document.createElement("span");
        Array.prototype.forEach.call(tip.childNodes, function (node) {
          words.appendChild(node.cloneNode(true));
        });
        item.appendChild(words);
      }
      var fix = cell.getAttribute("data-fix");
      if (fix) {
        var link = document.createElement("a");
        link.href = fix;
        link.textContent = openWord;
        item.appendChild(document.createTextNode(" "));
        item.appendChild(link);
      }
      list.appendChild(item);
    });
  }

  document.addEventListener("click", function (event) {
    var btn = event.target.closest ? event.target.closest(".row-toggle") : null;
    if (btn) {
      var detail = document.getElementById(btn.getAttribute("aria-controls"));
      var open = btn.getAttribute("aria-expanded") === "true";
      if (!open) { buildList(detail); }
      btn.setAttribute("aria-expanded", open ? "false" : "true");
      detail.hidden = open;
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
