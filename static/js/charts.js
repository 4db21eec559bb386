/* Chart.js charts from json_script data: <canvas data-chart="kind" data-source="json-script-id">. */
(function () {
  "use strict";
  // UI language of the page (<html lang>, from LANGUAGE); the few texts built here carry both versions.
  var EN = (document.documentElement.lang || "").indexOf("en") === 0;
  function T(zh, en) { return EN ? en : zh; }
  if (typeof window.Chart === "undefined") return;
  var RED = "#c8161d", GOLD = "#e0a100", GREY = "#d0d5dd", GREEN = "#16794a";
  window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  window.Chart.defaults.maintainAspectRatio = false;

  function data(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  var builders = {
    "held-vs-required": function (d) {
      var m = d.monthly;
      return { type: "bar", data: { labels: m.labels, datasets: [
        { label: T("应开", "Due"), data: m.required, backgroundColor: GREY },
        { label: T("计入", "Held"), data: m.held, backgroundColor: RED }
      ] }, options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } };
    },
    "attendance-trend": function (d) {
      var a = d.attendance;
      return { type: "line", data: { labels: a.labels, datasets: [
        { label: T("出席率（%）", "Attendance (%)"), data: a.rates, borderColor: GREEN, backgroundColor: GREEN, spanGaps: true, tension: 0.25 }
      ] }, options: { scales: { y: { min: 0, max: 100 } } } };
    },
    "org-bars": function (d) {
      return { type: "bar", data: { labels: d.labels, datasets: [
        { label: T("应开", "Due"), data: d.required, backgroundColor: GREY },
        { label: T("计入", "Held"), data: d.held, backgroundColor: GOLD }
      ] }, options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } } };
    }
  };

  var canvases = document.querySelectorAll("canvas[data-chart]");
  for (var i = 0; i < canvases.length; i++) {
    var c = canvases[i];
    var build = builders[c.getAttribute("data-chart")];
    var d = data(c.getAttribute("data-source"));
    if (build && d) new window.Chart(c, build(d));
  }
})();
