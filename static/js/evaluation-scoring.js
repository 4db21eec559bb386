/* Scoring form: running totals per criterion and overall (normalized to 100, bonus/deduction capped),
 * max points flagged as you type (the server enforces them too), keyboard navigation and Ctrl+S draft save.
 * Config comes from {{ config|json_script:"score-config" }}; no inline script (CSP). */
(function () {
  "use strict";
  // UI language of the page (<html lang>, from LANGUAGE); the few texts built here carry both versions.
  var EN = (document.documentElement.lang || "").indexOf("en") === 0;
  function T(zh, en) { return EN ? en : zh; }
  var form = document.getElementById("score-form");
  if (!form) return;
  var cfgEl = document.getElementById("score-config");
  var cfg = cfgEl ? JSON.parse(cfgEl.textContent) : { criteria: {}, bonusCap: 0, deductionCap: 0 };
  var rows = Array.prototype.slice.call(form.querySelectorAll("tr[data-kind]"));
  var inputs = Array.prototype.slice.call(form.querySelectorAll(".score-input:not([disabled])"));

  function num(v) { var n = parseFloat(v); return isNaN(n) ? 0 : n; }
  function fmt(n) { return (Math.round(n * 100) / 100).toFixed(2).replace(/\.?0+$/, ""); }

  function pointsOf(row) {
    var input = row.querySelector(".score-input");
    if (input) return num(input.value);
    var auto = row.querySelector("[data-points]");
    return auto ? num(auto.getAttribute("data-points")) : 0;
  }

  function recompute() {
    var crit = {}, critMax = {}, base = 0, baseMax = 0, bonus = 0, deduction = 0, critDed = {}, veto = false;
    Object.keys(cfg.criteria).forEach(function (k) { crit[k] = 0; critMax[k] = 0; critDed[k] = 0; });
    rows.forEach(function (row) {
      var kind = row.getAttribute("data-kind"), c = row.getAttribute("data-criterion");
      var max = num(row.getAttribute("data-max")), p = pointsOf(row);
      var input = row.querySelector("input.score-input");
      var bad = input && input.value !== "" && (p < 0 || p > max);
      row.classList.toggle("is-over", !!bad);
      if (input) input.setAttribute("aria-invalid", bad ? "true" : "false");
      p = Math.min(Math.max(p, 0), kind === "veto" ? 1 : max);
      if (kind === "manual" || kind === "automatic") {
        base += p; baseMax += max;
        if (c in crit) { crit[c] += p; critMax[c] += max; }
      } else if (kind === "bonus") { bonus += p; }
      else if (kind === "deduction") { deduction += p; if (c in critDed) critDed[c] += p; }
      else if (kind === "veto") { veto = veto || p > 0; }
    });
    var cappedBonus = Math.min(bonus, cfg.bonusCap), cappedDed = Math.min(deduction, cfg.deductionCap);
    var share = deduction ? cappedDed / deduction : 0;
    var total = baseMax ? base / baseMax * 100 : 0;
    total = Math.min(Math.max(total + cappedBonus - cappedDed, 0), 100);
    Object.keys(crit).forEach(function (k) {
      var el = form.querySelector('[data-total-criterion="' + k + '"]');
      if (el) el.textContent = fmt(Math.max(crit[k] - critDed[k] * share, 0)) + " / " + fmt(critMax[k]);
    });
    form.querySelector('[data-total="bonus"]').textContent = fmt(cappedBonus);
    form.querySelector('[data-total="deduction"]').textContent = fmt(cappedDed);
    form.querySelector('[data-total="total"]').textContent = fmt(total);
    form.querySelector('[data-total="veto"]').textContent = veto ? T("已触发（星级封顶，不得评四强）", "Triggered (stars capped, cannot be four-strong)") : T("否", "No");
  }

  form.addEventListener("input", recompute);
  form.addEventListener("change", recompute);
  form.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && (e.key === "s" || e.key === "S")) {
      e.preventDefault();
      var save = document.getElementById("save-draft");
      if (save) save.click();
      return;
    }
    if (e.key === "Enter" && e.target.classList && e.target.classList.contains("score-input")) {
      e.preventDefault();
      var i = inputs.indexOf(e.target) + (e.shiftKey ? -1 : 1);
      if (i >= 0 && i < inputs.length) { inputs[i].focus(); if (inputs[i].select) inputs[i].select(); }
    }
  });
  recompute();
  if (inputs.length) inputs[0].focus();
})();
