// Polls the import's status and reloads the page when it has finished.
(function () {
  var box = document.getElementById("import-job");
  var bar = document.getElementById("import-progress");
  if (!box || !bar) return;
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (s) {
      if (s.total) bar.style.width = Math.max(5, Math.round(100 * s.processed / s.total)) + "%";
      if (s.state === "done" || s.state === "failed") { window.location.reload(); return; }
      setTimeout(poll, 1000);
    }).catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 800);
})();
