/* Charts of the report pages. Each chart reads its data from a json_script element and has a
   table with the same numbers next to it (the text equivalent), so nothing is lost without JS. */
(function () {
  "use strict";
  var TIER = { A: "rgba(29,122,58,.12)", B: "rgba(31,95,191,.12)", C: "rgba(107,114,128,.12)" };
  var TIER_INK = { A: "#1d7a3a", B: "#1f5fbf", C: "#6b7280" };

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  // Shades the rank range of each tier behind the curve and labels it.
  var bandsPlugin = {
    id: "tierBands",
    beforeDatasetsDraw: function (chart, args, opts) {
      var x = chart.scales.x, area = chart.chartArea, ctx = chart.ctx;
      (opts.bands || []).forEach(function (b) {
        var left = x.getPixelForValue(b.first - 1), right = x.getPixelForValue(b.last);
        ctx.save();
        ctx.fillStyle = TIER[b.tier] || "rgba(0,0,0,.05)";
        ctx.fillRect(left, area.top, Math.max(right - left, 1), area.bottom - area.top);
        ctx.fillStyle = TIER_INK[b.tier] || "#333";
        ctx.font = "600 12px system-ui, sans-serif";
        if (right - left > 14) ctx.fillText(b.tier, left + 4, area.top + 14);
        ctx.restore();
      });
    }
  };

  function pareto() {
    var d = data("pareto-data"), canvas = document.getElementById("pareto-chart");
    if (!d || !canvas || !window.Chart || !d.points.length) return;
    var last = d.points[d.points.length - 1][0] || 1;
    var line = function (level) { return [{ x: 0, y: level }, { x: last, y: level }]; };
    new Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          { label: canvas.dataset.curve || "%", data: d.points.map(function (p) { return { x: p[0], y: p[1] * 100 }; }),
            borderColor: "#12233f", borderWidth: 2, pointRadius: 0, tension: 0 },
          { label: "80 %", data: line(80), borderColor: "#b3261e", borderDash: [6, 4], borderWidth: 1, pointRadius: 0 },
          { label: "95 %", data: line(95), borderColor: "#9a5b00", borderDash: [2, 3], borderWidth: 1, pointRadius: 0 }
        ]
      },
      options: {
        animation: false, maintainAspectRatio: false, parsing: false,
        scales: {
          x: { type: "linear", min: 0, max: last, title: { display: true, text: canvas.dataset.xTitle || "#" } },
          y: { min: 0, max: 100, ticks: { callback: function (v) { return v + " %"; } } }
        },
        plugins: { legend: { position: "bottom" }, tierBands: { bands: d.bands } }
      },
      plugins: [bandsPlugin]
    });
  }

  function bars(dataId, canvasId, labelKey, valueKey, colour) {
    var d = data(dataId), canvas = document.getElementById(canvasId);
    if (!d || !canvas || !window.Chart) return;
    new Chart(canvas, {
      type: "bar",
      data: { labels: d.map(function (r) { return r[labelKey]; }),
              datasets: [{ data: d.map(function (r) { return r[valueKey]; }), backgroundColor: colour }] },
      options: { animation: false, maintainAspectRatio: false, plugins: { legend: { display: false } },
                 scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }

  // An account's revenue by month (reports/panels/account_revenue.html).
  function revenue() {
    var d = data("revenue-data"), canvas = document.getElementById("revenue-chart");
    if (!d || !canvas || !window.Chart || Chart.getChart(canvas)) return;
    var fmt = new Intl.NumberFormat(document.documentElement.lang, { maximumFractionDigits: 0 });
    new Chart(canvas, {
      type: "bar",
      data: { labels: d.labels,
              datasets: [{ label: canvas.dataset.label, data: d.values, backgroundColor: "#1f5fbf" }] },
      options: { maintainAspectRatio: false, animation: false, plugins: { legend: { display: false },
        tooltip: { callbacks: { label: function (c) { return fmt.format(c.parsed.y); } } } },
        scales: { y: { ticks: { callback: function (v) { return fmt.format(v); } } } } }
    });
  }

  // The forecast page: weekly snapshots of the period's forecast, actual to date and target.
  function forecast() {
    var d = data("forecast-data"), canvas = document.getElementById("forecast-chart");
    if (!d || !canvas || !window.Chart) return;
    var fmt = new Intl.NumberFormat(document.documentElement.lang, { maximumFractionDigits: 0 });
    var sets = [
      { label: d.names.forecast, data: d.forecast, borderColor: "#1f5fbf", backgroundColor: "#1f5fbf", borderWidth: 2, pointRadius: 2, tension: 0 },
      { label: d.names.actual, data: d.actual, borderColor: "#1d7a3a", backgroundColor: "#1d7a3a", borderWidth: 2, pointRadius: 0, tension: 0 }
    ];
    if (d.target.some(function (v) { return v !== null; })) {
      sets.push({ label: d.names.target, data: d.target, borderColor: "#b3261e", backgroundColor: "#b3261e", borderDash: [6, 4], borderWidth: 1, pointRadius: 0 });
    }
    new Chart(canvas, {
      type: "line",
      data: { labels: d.labels, datasets: sets },
      options: { animation: false, maintainAspectRatio: false,
        plugins: { legend: { position: "bottom" },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + fmt.format(c.parsed.y); } } } },
        scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return fmt.format(v); } } },
                  x: { ticks: { maxTicksLimit: 8 } } } }
    });
  }

  // An account's health score by day (reports/panels/account_health.html).
  function health() {
    var d = data("health-data"), canvas = document.getElementById("health-chart");
    if (!d || !canvas || !window.Chart || Chart.getChart(canvas)) return;
    new Chart(canvas, {
      type: "line",
      data: { labels: d.labels,
              datasets: [{ label: canvas.dataset.label, data: d.values, borderColor: "#12233f",
                           borderWidth: 2, pointRadius: 2, tension: 0 }] },
      options: { maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } },
                 scales: { y: { min: 0, max: 100 } } }
    });
  }

  // The account page's revenue chart and health card arrive after the page (htmx panels):
  // drawn when they are swapped in (each once: a chart already on its canvas stays).
  document.addEventListener("htmx:afterSettle", function () {
    revenue();
    health();
  });

  document.addEventListener("DOMContentLoaded", function () {
    forecast();
    bars("weighted-data", "weighted-chart", "label", "weighted", "#1f5fbf");
    revenue();
    health();
    pareto();
    bars("penetration-data", "penetration-chart", "label", "accounts", "#1f5fbf");
    bars("stage-data", "stage-chart", "label", "count", "#12233f");
    bars("backtest-data", "backtest-chart", "label", "rate", "#b3261e");
  });
})();
