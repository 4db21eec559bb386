/* The activity log form: tap a member to mark an exception, live counts and 党员大会 quorum, type-specific fields.
 * No inline scripts (CSP); activity types come from <script type="application/json" id="activity-types">. */
(function () {
  "use strict";
  // UI language of the page (<html lang>, from LANGUAGE); the few texts built here carry both versions.
  var EN = (document.documentElement.lang || "").indexOf("en") === 0;
  function T(zh, en) { return EN ? en : zh; }
  var form = document.querySelector("[data-activity-form]");
  if (!form) return;
  var types = {};
  try { types = JSON.parse(document.getElementById("activity-types").textContent); } catch (e) { types = {}; }

  var boxes = form.querySelectorAll('input[name="present"]');
  var typeSelect = form.querySelector("[data-type-select]");
  var electionBox = form.querySelector('input[name="is_election"]');

  function category() {
    if (!typeSelect) return "";
    return types[typeSelect.value] || "";
  }

  function refreshTile(box) {
    var tile = box.closest(".attendance-tile");
    if (!tile) return;
    tile.classList.toggle("is-present", box.checked);
    var select = tile.querySelector("[data-exception]");
    if (select && box.checked && select.value !== "late") select.value = "absent";
  }

  function setText(sel, value) {
    var node = form.querySelector(sel);
    if (node) node.textContent = value;
  }

  function refreshCounts() {
    var total = boxes.length, present = 0, should = 0, votingPresent = 0;
    for (var i = 0; i < boxes.length; i++) {
      var b = boxes[i];
      if (b.checked) present++;
      if (b.getAttribute("data-voting") === "1") {
        should++;
        if (b.checked) votingPresent++;
      }
    }
    setText("[data-count-total]", total);
    setText("[data-count-present]", present);
    setText("[data-count-absent]", total - present);
    var quorum = form.querySelector("[data-quorum]");
    if (!quorum) return;
    var cat = category();
    var general = cat === "general_meeting";
    var committee = cat === "committee_meeting";
    quorum.hidden = !(general || committee);
    if (!general && !committee) return;
    if (committee) {  // a 支委会 roster is the seated 委员: each one counts (第十二条: 半数以上委员到会)
      should = total;
      votingPresent = present;
    }
    var election = general && electionBox && electionBox.checked;
    var needed = election ? Math.floor(should * 4 / 5) + 1 : Math.floor(should / 2) + 1;
    var ok = should > 0 && votingPresent >= needed;
    setText("[data-quorum-who]", committee ? T("委员应到", "Committee members expected") : T("有表决权党员应到", "Voting members expected"));
    setText("[data-quorum-should]", should);
    setText("[data-quorum-present]", votingPresent);
    setText("[data-quorum-text]", ok
      ? T("已达到", "Meets the ") + (election ? T("选举（超过五分之四）", "election (more than four fifths)") : T("超过半数", "more-than-half")) +
        T("的要求，可以作出决定。", " requirement; the meeting can decide.")
      : T("未达到", "Does not meet the ") + (election ? T("超过五分之四", "more-than-four-fifths") : T("超过半数", "more-than-half")) +
        T("（至少 ", " requirement (at least ") + needed + T(" 人），不能作出决定或表决。", "); the meeting cannot decide or vote."));
    quorum.classList.toggle("alert-success", ok);
    quorum.classList.toggle("alert-warn", !ok);
    quorum.classList.remove("alert-info");
  }

  function refreshTypeFields() {
    var cat = category();
    var nodes = form.querySelectorAll("[data-show-for]");
    for (var i = 0; i < nodes.length; i++) {
      var field = nodes[i].closest(".field");
      if (field) field.classList.toggle("is-hidden-for-type", nodes[i].getAttribute("data-show-for") !== cat);
    }
    refreshCounts();
  }

  for (var i = 0; i < boxes.length; i++) {
    refreshTile(boxes[i]);
    boxes[i].addEventListener("change", function (event) { refreshTile(event.target); refreshCounts(); });
  }
  form.addEventListener("change", function (event) {
    var t = event.target;
    if (t.hasAttribute && t.hasAttribute("data-exception")) {
      var tile = t.closest(".attendance-tile");
      var box = tile && tile.querySelector('input[name="present"]');
      if (box && t.value !== "late") { box.checked = false; refreshTile(box); }
      if (box && t.value === "late") { box.checked = true; tile.classList.add("is-present"); }
      refreshCounts();
    }
  });
  if (typeSelect) typeSelect.addEventListener("change", refreshTypeFields);
  // New record: the roster belongs to the organization, so choosing another one reloads the grid for it.
  var orgSelect = form.querySelector('select[name="organization"]');
  if (orgSelect && !orgSelect.disabled && form.hasAttribute("data-reload-on-org")) {
    orgSelect.addEventListener("change", function () {
      var params = new URLSearchParams(window.location.search);
      params.set("organization", orgSelect.value);
      if (typeSelect && typeSelect.value) params.set("type", typeSelect.value);
      window.location.search = params.toString();
    });
  }
  if (electionBox) electionBox.addEventListener("change", refreshCounts);
  refreshTypeFields();
})();
