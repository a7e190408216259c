// Draws each reporting chart from the JSON beside it (json_script: not executed, so CSP allows it).
// Chart.js (static/vendor/chartjs, loaded with `defer` before this module) sets canvas sizes through the CSSOM only.

const PALETTE = ["#1f6f78", "#c0504d", "#e5a11a", "#6a4c93", "#4a8f3a", "#8a8a8a", "#2b59c3"];

function draw(canvas) {
  const source = document.getElementById(canvas.dataset.chart);
  if (!source || !window.Chart) return null;
  const spec = JSON.parse(source.textContent);
  const stacked = spec.type === "stacked";
  const line = spec.type === "line";
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const valueAxis = spec.horizontal ? "x" : "y";
  const labelAxis = spec.horizontal ? "y" : "x";
  return new window.Chart(canvas, {
    type: line ? "line" : "bar",
    data: {
      labels: spec.labels,
      datasets: spec.datasets.map((set, i) => ({
        label: set.label,
        data: set.data,
        backgroundColor: PALETTE[i % PALETTE.length],
        borderColor: PALETTE[i % PALETTE.length],
        borderWidth: line ? 2 : 0,
        pointRadius: line ? 2 : 0,
        tension: 0,
      })),
    },
    options: {
      indexAxis: spec.horizontal ? "y" : "x",
      responsive: true,
      maintainAspectRatio: false,
      animation: reduceMotion ? false : { duration: 300 },
      plugins: { legend: { position: "bottom" }, tooltip: { enabled: true } },
      scales: {
        [valueAxis]: { beginAtZero: true, stacked, ticks: { precision: 0 } },
        [labelAxis]: { stacked },
      },
    },
  });
}

const charts = [];
for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
  const chart = draw(canvas);
  if (chart) {
    charts.push(chart);
    canvas.dataset.drawn = "true";
  }
}
document.documentElement.dataset.chartsDrawn = String(charts.length);
