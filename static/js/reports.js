/* Reports page: when the report kind changes, put that kind's default period in the period field
 * (a month for 月度, a quarter for 季度, a year otherwise) unless the user typed one of the right shape.
 * Defaults come from {{ period_defaults|json_script:"report-period-defaults" }}; no inline script (CSP). */
(function () {
  "use strict";
  var SHAPES = { month: /^\d{4}-(0[1-9]|1[0-2])$/, quarter: /^\d{4}-Q[1-4]$/i, year: /^\d{4}$/ };

  function shapeOf(value) {
    for (var key in SHAPES) { if (SHAPES[key].test(value)) return key; }
    return null;
  }

  function init() {
    var form = document.querySelector("[data-report-form]");
    var data = document.getElementById("report-period-defaults");
    if (!form || !data) return;
    var defaults = JSON.parse(data.textContent);
    var kind = form.querySelector("select[name=kind]");
    var period = form.querySelector("input[name=period]");
    if (!kind || !period) return;
    kind.addEventListener("change", function () {
      var wanted = defaults[kind.value];
      if (!wanted) return;
      if (shapeOf(period.value.trim()) !== shapeOf(wanted)) period.value = wanted;
      period.setAttribute("placeholder", wanted);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
