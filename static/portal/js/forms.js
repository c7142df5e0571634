// Forms on every page (no inline scripts: the CSP forbids them).
// - A rejected form's error summary (includes/error_summary.html) gets the focus, so a
//   phone shows it instead of the top of a long page; its links focus their field.
//   The same after htmx swaps a form partial in.
// - Files kept from a rejected form (portal/attachments/pending.py) can be removed (✕).
// - Buttons marked data-busy-label show a working state once their form is sent.
// - Buttons marked data-copy copy a text to the clipboard.
// - A member picked as responsible person (data-fills-name / data-fills-post) fills
//   in the name and post from its option at once.
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
            sel.appendChild(new Option(opt.text, opt.value));
          });
          // An image is a photo; anything else is left to the server ("by content").
          var wanted = keep[key] || kindSelect.value || (file.type.indexOf("image/") === 0 ? "photo" : "");
          sel.value = sel.querySelector("option[value='" + wanted + "']") ? wanted : "";
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

  // A member picked as responsible person: name (and post, unless typed) at once.
  document.addEventListener("change", function (event) {
    var sel = event.target;
    if (!sel.matches || !sel.matches("select[data-fills-name]")) { return; }
    var opt = sel.options[sel.selectedIndex];
    if (!opt || !opt.hasAttribute("data-fill-name")) { return; }
    var name = document.getElementById(sel.getAttribute("data-fills-name"));
    var post = document.getElementById(sel.getAttribute("data-fills-post"));
    if (name) { name.value = opt.getAttribute("data-fill-name"); }
    if (post && (!post.value.trim() || post.hasAttribute("data-filled"))) {
      post.value = opt.getAttribute("data-fill-post");
      post.setAttribute("data-filled", "");
    }
  });
  document.addEventListener("input", function (event) {
    if (event.target.removeAttribute) { event.target.removeAttribute("data-filled"); }
  });

  // Copy buttons (data-copy="<id of the element holding the text>"): shown only when
  // this script runs; the clipboard API where allowed, else a selection and copy.
  function showCopyButtons(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("[data-copy][hidden]"), function (btn) {
      btn.hidden = false;
    });
  }
  document.addEventListener("DOMContentLoaded", function () { showCopyButtons(document); });
  document.addEventListener("click", function (event) {
    var btn = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!btn) { return; }
    var source = document.getElementById(btn.getAttribute("data-copy"));
    if (!source) { return; }
    var text = source.textContent.trim();
    var status = btn.parentNode.querySelector("[data-copy-status]");
    function done() { if (status) { status.textContent = btn.getAttribute("data-copied-label") || ""; } }
    function fallback() {
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      try { if (document.execCommand("copy")) { done(); } } catch (e) { /* selected: the user copies */ }
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
  });

  // A button marked data-busy-label: once its form is sent, disabled and saying so
  // (a PDF made in-process keeps the request open for seconds). Restored when the
  // page comes back from the browser's cache (Back button).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var btn = event.submitter || form.querySelector("button[data-busy-label]");
    if (!btn || !btn.hasAttribute("data-busy-label") || event.defaultPrevented) { return; }
    if (btn.getAttribute("aria-disabled") === "true") { event.preventDefault(); return; }
    btn.setAttribute("data-idle-label", btn.textContent);
    btn.textContent = btn.getAttribute("data-busy-label");
    btn.setAttribute("aria-disabled", "true");
    btn.classList.add("is-busy");
    form.setAttribute("aria-busy", "true");
  });
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("button.is-busy"), function (btn) {
      btn.textContent = btn.getAttribute("data-idle-label");
      btn.removeAttribute("aria-disabled");
      btn.classList.remove("is-busy");
      if (btn.form) { btn.form.removeAttribute("aria-busy"); }
    });
  });

  // A long multiple choice (a campaign's organizations left out, among a county's
  // thousands) marked data-option-filter="<label>": a labelled search box above it
  // hides the options whose text does not contain what is typed. The choices made stay
  // chosen while hidden; without JavaScript the plain list works.
  function addOptionFilter(select) {
    if (select.getAttribute("data-filter-ready")) { return; }
    select.setAttribute("data-filter-ready", "1");
    var id = select.id + "-filter";
    var label = document.createElement("label");
    label.setAttribute("for", id);
    label.textContent = select.getAttribute("data-option-filter");
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.setAttribute("aria-controls", select.id);
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(select.options, function (option) {
        option.hidden = needle !== "" && option.text.toLowerCase().indexOf(needle) === -1;
      });
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }  // not a submit
    });
    var box = document.createElement("div");
    box.className = "option-filter";
    box.appendChild(label);
    box.appendChild(input);
    select.parentNode.insertBefore(box, select);
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("select[data-option-filter]"), addOptionFilter);
  });
})();
