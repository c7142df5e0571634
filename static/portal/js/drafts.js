// Nothing typed is lost (docs/product.md §13, "Drafts kept on the device").
// A form marked data-keep-draft keeps what its user types or chooses in this browser's
// localStorage, under the user's id, the page and the record's version, until the form
// is saved. If the save never arrives (the session timed out, the connection dropped,
// the page expired, the phone closed the tab), opening the page again puts it all back
// and says so, with a button to throw it away.
// - Kept: text, choices, ticks. Never kept: hidden fields (the CSRF token, the record's
//   version), passwords, files, fields marked data-no-draft.
// - A draft is dropped once the save is confirmed (the next page shows a success
//   message, or the form sent its user to another page that is not the log-in page nor
//   an error), at log-out, and after three days.
// - The notice's words come from the page (<template id="draft-notice">), in the
//   page's language.
(function () {
  "use strict";
  var PREFIX = "portal-draft:";
  var PENDING = "portal-draft-pending";
  var MAX_AGE_MS = 3 * 24 * 3600 * 1000;

  function storageOf(name) {
    try {
      var s = window[name];
      s.setItem("portal-probe", "1");
      s.removeItem("portal-probe");
      return s;
    } catch (e) {
      return null;  // private mode, disabled storage: forms work as before
    }
  }
  var store = storageOf("localStorage");
  var session = storageOf("sessionStorage");
  if (!store || !session) { return; }

  function read(key) {
    try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; }
  }

  function purgeExpired() {
    var now = Date.now();
    for (var i = store.length - 1; i >= 0; i -= 1) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX) === 0) {
        var draft = read(key);
        if (!draft || !draft.saved || now - draft.saved > MAX_AGE_MS) { store.removeItem(key); }
      }
    }
  }

  function clearOwner(owner) {
    for (var i = store.length - 1; i >= 0; i -= 1) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX + owner + ":") === 0) { store.removeItem(key); }
    }
  }

  function skipped(el) {
    var type = (el.type || "").toLowerCase();
    return !el.name || el.disabled || el.name === "csrfmiddlewaretoken" ||
      ["hidden", "password", "file", "submit", "button", "reset", "image"].indexOf(type) >= 0 ||
      el.hasAttribute("data-no-draft");
  }

  // {name: [values]}: a tick or a radio adds its value when chosen; an unticked group
  // is kept as [] so that restoring unticks what the user had unticked.
  function collect(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (skipped(el)) { return; }
      var values = data[el.name] || (data[el.name] = []);
      var type = (el.type || "").toLowerCase();
      if (type === "checkbox" || type === "radio") {
        if (el.checked) { values.push(el.value); }
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (option) {
          if (option.selected) { values.push(option.value); }
        });
      } else {
        values.push(el.value);
      }
    });
    return data;
  }

  function apply(form, data) {
    var seen = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (skipped(el) || !Object.prototype.hasOwnProperty.call(data, el.name)) { return; }
      var values = data[el.name];
      var type = (el.type || "").toLowerCase();
      var before = type === "checkbox" || type === "radio" ? el.checked : el.value;
      if (type === "checkbox" || type === "radio") {
        el.checked = values.indexOf(el.value) >= 0;
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (option) {
          option.selected = values.indexOf(option.value) >= 0;
        });
      } else {
        var index = seen[el.name] || 0;
        seen[el.name] = index + 1;
        if (index < values.length) {
          var value = values[index];
          if (el.tagName !== "SELECT" || Array.prototype.some.call(el.options, function (o) { return o.value === value; })) {
            el.value = value;
          }
        }
      }
      var after = type === "checkbox" || type === "radio" ? el.checked : el.value;
      if (before !== after || el.tagName === "SELECT") {
        // Whatever follows a field (the quorum count, the special-meeting fields) follows.
        el.dispatchEvent(new Event("input", { bubbles: true }));
        el.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  function formKey(owner, form, index) {
    var version = form.querySelector("input[type=hidden][name=version], input[type=hidden][name$=\"-version\"]");
    return PREFIX + owner + ":" + window.location.pathname + "#" + index +
      ":" + (version ? version.value : "");
  }

  function showNotice(form, draft, onDiscard) {
    var template = document.getElementById("draft-notice");
    if (!template) { return; }
    var notice = template.content.firstElementChild.cloneNode(true);
    var when = new Date(draft.saved);
    var lang = document.documentElement.lang || undefined;
    var text = notice.querySelector("[data-draft-when]");
    if (text) {
      var sameDay = when.toDateString() === new Date().toDateString();
      text.textContent = sameDay ?
        when.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" }) :
        when.toLocaleString(lang, { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
    }
    notice.querySelector("[data-draft-discard]").addEventListener("click", function () {
      onDiscard();
      notice.remove();
      var first = form.querySelector("input:not([type=hidden]), textarea, select");
      if (first) { first.focus(); }
    });
    form.insertBefore(notice, form.firstChild);
  }

  // After a submission: the page it led to tells whether the save arrived.
  function settlePending(owner) {
    var pending;
    try { pending = JSON.parse(session.getItem(PENDING) || "null"); } catch (e) { pending = null; }
    if (!pending || pending.key.indexOf(PREFIX + owner + ":") !== 0) { return; }
    session.removeItem(PENDING);
    var refused = document.querySelector(".error-page, [data-error-summary], .message-error");
    var saved = document.querySelector(".message-success");
    if (saved && !refused) {
      store.removeItem(pending.key);
    } else if (!refused && window.location.pathname !== pending.path) {
      store.removeItem(pending.key);
    }
  }

  function watch(owner, form, index) {
    var key = formKey(owner, form, index);
    var initial = collect(form);
    var draft = read(key);
    var rerendered = form.querySelector("[data-error-summary]");
    if (draft && draft.fields && !rerendered && !same(draft.fields, initial)) {
      apply(form, draft.fields);
      showNotice(form, draft, function () {
        store.removeItem(key);
        apply(form, initial);
      });
    }
    var timer = null;
    function save() {
      timer = null;
      var now = collect(form);
      if (same(now, initial)) {
        store.removeItem(key);
        return;
      }
      try {
        store.setItem(key, JSON.stringify({ saved: Date.now(), fields: now }));
      } catch (e) {
        // storage full: the form still works, the draft is not kept
      }
    }
    function later() {
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(save, 400);
    }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("submit", function () {
      if (timer) { window.clearTimeout(timer); }
      save();
      session.setItem(PENDING, JSON.stringify({ key: key, path: window.location.pathname }));
      // Tells the server the typed text is kept here (the idle log-out then says so).
      if (!form.querySelector("input[name=portal_draft]")) {
        var flag = document.createElement("input");
        flag.type = "hidden";
        flag.name = "portal_draft";
        flag.value = "1";
        form.appendChild(flag);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    purgeExpired();
    var owner = document.body.getAttribute("data-draft-owner");
    if (!owner) { return; }  // the log-in page: a pending save stays pending
    settlePending(owner);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-keep-draft]"), function (form, index) {
      watch(owner, form, index);
    });
    Array.prototype.forEach.call(document.querySelectorAll("form[data-drafts-clear]"), function (form) {
      form.addEventListener("submit", function () {
        clearOwner(owner);
        session.removeItem(PENDING);
      });
    });
  });
})();
