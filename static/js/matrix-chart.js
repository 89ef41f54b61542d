/* The portfolio matrix's bubble chart (templates/reports/matrix.html): x our strength, y the
   account's attractiveness (both 1–5), bubble area = revenue, colour = health band. The
   quadrant lines sit at the threshold and each quadrant is named in its corner. The table
   beside it carries the same numbers. */
(function () {
  "use strict";
  var BAND = { healthy: "rgba(29,122,58,.55)", watch: "rgba(214,140,0,.6)",
               at_risk: "rgba(179,38,30,.6)", none: "rgba(107,114,128,.45)" };

  var quadrantsPlugin = {
    id: "matrixQuadrants",
    beforeDatasetsDraw: function (chart, args, opts) {
      var x = chart.scales.x, y = chart.scales.y, area = chart.chartArea, ctx = chart.ctx;
      var tx = x.getPixelForValue(opts.threshold), ty = y.getPixelForValue(opts.threshold);
      ctx.save();
      ctx.strokeStyle = "#12233f"; ctx.setLineDash([5, 4]); ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(tx, area.top); ctx.lineTo(tx, area.bottom);
      ctx.moveTo(area.left, ty); ctx.lineTo(area.right, ty); ctx.stroke();
      ctx.setLineDash([]); ctx.fillStyle = "#4b5563"; ctx.font = "600 12px system-ui, sans-serif";
      ctx.textBaseline = "top";
      ctx.textAlign = "left"; ctx.fillText(opts.names.star, area.left + 6, area.top + 4);
      ctx.textAlign = "right"; ctx.fillText(opts.names.strategic, area.right - 6, area.top + 4);
      ctx.textBaseline = "bottom";
      ctx.textAlign = "left"; ctx.fillText(opts.names.streamline, area.left + 6, area.bottom - 4);
      ctx.textAlign = "right"; ctx.fillText(opts.names.status, area.right - 6, area.bottom - 4);
      ctx.restore();
    }
  };

  function draw() {
    var canvas = document.getElementById("matrix-chart"), el = document.getElementById("matrix-data");
    if (!canvas || !el || !window.Chart) return;
    var d = JSON.parse(el.textContent);
    var max = d.reduce(function (m, p) { return Math.max(m, p.revenue); }, 0) || 1;
    var small = canvas.clientWidth < 500;
    var top = small ? 16 : 26, least = 3;
    var fmt = new Intl.NumberFormat(document.documentElement.lang, { maximumFractionDigits: 0 });
    var ds = canvas.dataset;
    new Chart(canvas, {
      type: "bubble",
      data: { datasets: [{
        data: d.map(function (p) {
          // Area proportional to revenue: radius grows with its square root.
          return { x: p.x, y: p.y, r: least + (top - least) * Math.sqrt(Math.max(p.revenue, 0) / max),
                   name: p.name, revenue: p.revenue, band: p.band };
        }),
        backgroundColor: d.map(function (p) { return BAND[p.band] || BAND.none; }),
        borderColor: "rgba(18,35,63,.5)", borderWidth: 1
      }] },
      options: {
        animation: false, maintainAspectRatio: false,
        scales: {
          x: { min: 0.8, max: 5.2, title: { display: true, text: ds.xTitle }, ticks: { stepSize: 1 } },
          y: { min: 0.8, max: 5.2, title: { display: true, text: ds.yTitle }, ticks: { stepSize: 1 } }
        },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (c) {
            var p = c.raw;
            return p.name + ": " + p.y.toFixed(2) + " / " + p.x.toFixed(2) + " · " + fmt.format(p.revenue);
          } } },
          matrixQuadrants: { threshold: parseFloat(ds.threshold),
            names: { strategic: ds.qStrategic, star: ds.qStar, status: ds.qStatus, streamline: ds.qStreamline } }
        }
      },
      plugins: [quadrantsPlugin]
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
