/* Charts of the bureau's pages, drawn from the tables themselves (the tables stay: every chart is
   also readable as a table, and the page works without this script). A table opts in with
   data-chart="bar|line", data-label-col, data-value-col, data-chart-title, data-percent. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  document.querySelectorAll("table[data-chart]").forEach(function (table) {
    var labelCol = parseInt(table.dataset.labelCol || "0", 10);
    var valueCol = parseInt(table.dataset.valueCol || "1", 10);
    var labels = [], values = [];
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var cells = row.children;
      if (!cells[labelCol] || !cells[valueCol]) { return; }
      var text = cells[valueCol].textContent.trim();
      var value = parseFloat(text.replace("%", ""));
      labels.push(cells[labelCol].textContent.trim());
      values.push(isNaN(value) ? null : value);  // "<5" and "—" are gaps in the chart
    });
    if (!values.some(function (v) { return v !== null; })) { return; }
    var box = document.createElement("div");
    box.className = "bureau-chart";
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", (table.dataset.chartTitle || "") + " (同下表)");
    box.appendChild(canvas);
    table.closest(".table-responsive").before(box);
    new Chart(canvas, {
      type: table.dataset.chart,
      data: { labels: labels, datasets: [{ label: table.dataset.chartTitle || "", data: values,
        backgroundColor: "#2a9d8f", borderColor: "#1d3557", spanGaps: false }] },
      options: { animation: false, responsive: true, plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, max: table.dataset.percent ? 100 : undefined } } }
    });
  });
})();
