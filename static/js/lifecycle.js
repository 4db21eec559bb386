// Lifecycle pages: show only the fields a 发展环节 needs (全选 on the dues page is portal.js data-check-all). No inline script (CSP).
(function () {
  "use strict";
  var FIELDS = {
    people: ["contacts_assigned", "introducers"],
    hours: ["training"],
    months: ["extension"],
    meeting: ["branch_vote", "extension", "confirmation_vote", "cancelled"],
    meeting_on: ["branch_vote", "extension", "confirmation_vote", "cancelled"],
    meeting_ref: ["branch_vote", "extension", "confirmation_vote", "cancelled"],
    votes_for: ["branch_vote", "confirmation_vote"]
  };
  function wrapperOf(form, name) {
    var input = form.querySelector('[name="' + name + '"]');
    return input ? (input.closest(".field") || input.parentElement) : null;
  }
  function sync(form) {
    var kind = form.querySelector('[name="kind"]').value;
    Object.keys(FIELDS).forEach(function (name) {
      var w = wrapperOf(form, name);
      if (w) { w.hidden = FIELDS[name].indexOf(kind) === -1; }
    });
  }
  document.querySelectorAll("[data-milestone-form]").forEach(function (form) {
    var select = form.querySelector('[name="kind"]');
    if (!select) { return; }
    select.addEventListener("change", function () { sync(form); });
    sync(form);
  });
})();
