// Forms on every page (no inline scripts: the CSP forbids them).
// - A rejected form's error summary (includes/error_summary.html) gets the focus, so a
//   phone shows it instead of the top of a long page; its links focus their field.
//   The same after htmx swaps a form partial in.
// - Files kept from a rejected form (portal/attachments/pending.py) can be removed (✕).
// - Buttons marked data-busy-label show a working state once their form is sent.
// - Buttons marked data-copy copy a text to the clipboard.
// - A select marked data-fills="<id>" writes its option's data-fill value into <id>.
(function () {
  "use strict";

  function focusSummary(root) {
    var box = (root || document).querySelector("[data-error-summary]");
    if (!box) { return; }
    box.focus({ preventScroll: true });
    box.scrollIntoView({ block: "start" });
  }

  document.addEventListener("DOMContentLoaded", function () { focusSummary(document); });
  document.addEventListener("htmx:afterSettle", function (event) {
    focusSummary(event.detail && event.detail.elt ? event.detail.elt : document);
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-error-summary] a[href^='#']") : null;
    if (!link) { return; }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) { return; }
    event.preventDefault();
    field.scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
  });

  // ✕ on a kept file: leave it out of this submission (the server forgets it later).
  document.addEventListener("click", function (event) {
    var btn = event.target.closest ? event.target.closest("[data-pending-remove]") : null;
    if (!btn) { return; }
    var chip = btn.closest("[data-pending-chip]");
    var list = chip.parentNode;
    var next = chip.nextElementSibling || chip.previousElementSibling;
    chip.remove();
    var focusable = next ? next.querySelector("button") : list.closest(".field").querySelector("input[type=file]");
    if (focusable) { focusable.focus(); }
  });

  // Newly chosen files: one line each with its own kind (att-kind_<n>), defaulting
  // from the file's type (an image is a photo), when the form has a kind list.
  function fileInputs(input) {
    var form = input.form;
    return form ? Array.prototype.filter.call(form.querySelectorAll("input[type=file]"), function (el) {
      return el.name === input.name;
    }) : [input];
  }

  function listChoices(input) {
    var field = input.closest(".field");
    var list = field ? field.querySelector("[data-file-choices]") : null;
    if (!list) { return; }
    var form = input.form;
    var prefix = input.name.replace(/files$/, "");
    var kindSelect = form ? form.querySelector("select[name='" + prefix + "kind'][data-kind-choices]") : null;
    var keep = {};
    Array.prototype.forEach.call(list.querySelectorAll("select"), function (sel) {
      keep[sel.getAttribute("data-file-key")] = sel.value;
    });
    list.textContent = "";
    var index = 0;
    fileInputs(input).forEach(function (el) {
      Array.prototype.forEach.call(el.files || [], function (file) {
        var li = document.createElement("li");
        var name = document.createElement("span");
        name.textContent = file.name;
        li.appendChild(name);
        if (kindSelect) {
          var sel = document.createElement("select");
          var id = prefix + "kind_" + index;
          sel.name = id;
          sel.id = id;
          var key = file.name + "/" + file.size;
          sel.setAttribute("data-file-key", key);
          var label = document.createElement("label");
          label.className = "sr-only";
          label.htmlFor = id;
          label.textContent = (kindSelect.labels && kindSelect.labels[0] ? kindSelect.labels[0].textContent.replace("*", "").trim() : "") + " " + file.name;
          Array.prototype.forEach.call(kindSelect.options, function (opt) {
            if (opt.value) { sel.appendChild(new Option(opt.text, opt.value)); }
          });
          var wanted = keep[key] || kindSelect.value || (file.type.indexOf("image/") === 0 ? "photo" : "");
          if (wanted && sel.querySelector("option[value='" + wanted + "']")) { sel.value = wanted; }
          li.appendChild(label);
          li.appendChild(sel);
        }
        list.appendChild(li);
        index += 1;
      });
    });
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("input[type=file][multiple]")) { listChoices(el); }
  });
})();
