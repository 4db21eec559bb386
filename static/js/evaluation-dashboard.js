/* Cycle dashboard: one radar chart (Chart.js, vendored) per branch from {{ radar|json_script:"radar-data" }}. */
(function () {
  "use strict";
  // UI language of the page (<html lang>, from LANGUAGE); the few texts built here carry both versions.
  var EN = (document.documentElement.lang || "").indexOf("en") === 0;
  function T(zh, en) { return EN ? en : zh; }
  var grid = document.getElementById("radar-grid");
  if (!grid || typeof Chart === "undefined") return;
  var src = document.getElementById(grid.getAttribute("data-radar-source"));
  if (!src) return;
  var data = JSON.parse(src.textContent);
  // English criterion names are long: wrap them by words (Chart.js draws an array as lines) so the corners fit.
  function wrap(label) {
    if (!EN || label.length <= 10) return label;
    var lines = [];
    label.split(" ").forEach(function (word) {
      var last = lines.length - 1;
      if (last >= 0 && (lines[last] + " " + word).length <= 10) lines[last] += " " + word;
      else lines.push(word);
    });
    return lines;
  }
  var pointLabels = data.labels.map(wrap);
  data.branches.forEach(function (b) {
    var box = document.createElement("figure");
    box.className = "radar-box";
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", b.name + "：" + data.labels.map(function (l, i) { return l + " " + b.values[i] + "%"; }).join("，"));
    var holder = document.createElement("div");
    holder.className = "radar-canvas";
    holder.appendChild(canvas);
    var cap = document.createElement("figcaption");
    cap.textContent = b.name;
    box.appendChild(holder); box.appendChild(cap); grid.appendChild(box);
    new Chart(canvas, {
      type: "radar",
      data: { labels: pointLabels, datasets: [{ label: T("得分率 %", "Score rate %"), data: b.values, fill: true,
        backgroundColor: "rgba(200, 22, 29, 0.15)", borderColor: "#c8161d", pointBackgroundColor: "#c8161d" }] },
      options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } },
        scales: { r: { min: 0, max: 100, ticks: { stepSize: 25, display: false }, pointLabels: { font: { size: 11 } } } } }
    });
  });
})();
