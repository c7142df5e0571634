// The review inbox: a header checkbox that chooses every row of the page.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-check-all]")) { return; }
    var name = box.getAttribute("data-check-all");
    var boxes = box.form.querySelectorAll('input[type="checkbox"][name="' + name + '"]');
    for (var i = 0; i < boxes.length; i++) { boxes[i].checked = box.checked; }
  });
})();
