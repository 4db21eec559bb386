/* Chart.js charts from json_script data: <canvas data-chart="kind" data-source="json-script-id">. */
(function () {
  "use strict";
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
        { label: "应开", data: m.required, backgroundColor: GREY },
        { label: "计入", data: m.held, backgroundColor: RED }
      ] }, options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } };
    },
    "attendance-trend": function (d) {
      var a = d.attendance;
      return { type: "line", data: { labels: a.labels, datasets: [
        { label: "出席率（%）", data: a.rates, borderColor: GREEN, backgroundColor: GREEN, spanGaps: true, tension: 0.25 }
      ] }, options: { scales: { y: { min: 0, max: 100 } } } };
    },
    "org-bars": function (d) {
      return { type: "bar", data: { labels: d.labels, datasets: [
        { label: "应开", data: d.required, backgroundColor: GREY },
        { label: "计入", data: d.held, backgroundColor: GOLD }
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
