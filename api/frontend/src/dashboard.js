// The leader's dashboard (/dashboard): draws the charts from the figures the page embeds
// (<script type="application/json" id="dashboard-data">). The same numbers are in the tables
// beside each chart, so without this script nothing is lost but the pictures.
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement,
  PointElement, Tooltip,
} from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement,
  PointElement, Legend, Tooltip);

// The badges' colours; the legend names each series and the tables beside carry the numbers.
const COLOURS = {
  received: "#5f6b7a",
  completed_on_time: "#1e7e34",
  completed_late: "#b06000",
  open: "#0b57d0",
  overdue: "#b3261e",
};

const source = document.getElementById("dashboard-data");
const data = source ? JSON.parse(source.textContent) : null;
const locale = document.documentElement.lang === "en" ? "en-GB" : "vi-VN";

function options(stacked) {
  return {
    responsive: true,
    maintainAspectRatio: false,
    // No animation: the chart shows the figures at once, and a reduced-motion user sees no movement.
    animation: false,
    locale,
    plugins: { legend: { position: "bottom" } },
    scales: {
      x: { stacked },
      y: { stacked, beginAtZero: true, ticks: { precision: 0 } },
    },
  };
}

function draw(canvas) {
  const chart = data.charts[canvas.dataset.chart];
  if (!chart) return;
  const datasets = chart.datasets.map((set) => ({
    type: set.type || "bar",
    label: set.label,
    data: set.data,
    backgroundColor: COLOURS[set.key] || "#6b6b70",
    borderColor: COLOURS[set.key] || "#6b6b70",
    borderWidth: set.type === "line" ? 2 : 0,
    stack: set.stack,
    order: set.type === "line" ? 0 : 1,
  }));
  new Chart(canvas, { type: "bar", data: { labels: chart.labels, datasets }, options: options(chart.stacked) });
  // Marks the canvas drawn: the browser test and anyone inspecting the page can tell.
  canvas.dataset.drawn = "1";
}

if (data) {
  for (const canvas of document.querySelectorAll("canvas[data-chart]")) draw(canvas);
}
