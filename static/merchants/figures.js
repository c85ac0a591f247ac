// Draws the figures page's charts with the vendored Chart.js (static/vendor/chartjs).
(function () {
  var node = document.getElementById("chart-data");
  if (!node || typeof Chart === "undefined") return;
  var data = JSON.parse(node.textContent);
  var options = {responsive: true, maintainAspectRatio: false, plugins: {legend: {display: false}}};
  new Chart(document.getElementById("sales-chart"), {
    type: "bar", data: {labels: data.days, datasets: [{data: data.sales.map(Number), backgroundColor: "#1f6feb"}]},
    options: options
  });
  new Chart(document.getElementById("top-chart"), {
    type: "bar", data: {labels: data.top, datasets: [{data: data.top_amounts.map(Number), backgroundColor: "#2da44e"}]},
    options: Object.assign({indexAxis: "y"}, options)
  });
})();
