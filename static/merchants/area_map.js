// The service-area map: each click adds a corner; the hidden "polygon" field gets GeoJSON.
// Inverse of communities.circle_map.Projection.point (local equirectangular projection).
(function () {
  var svg = document.getElementById("area-map");
  var field = document.querySelector("#area-form input[name=polygon]");
  if (!svg || !field) return;
  var R = 6371008.8, MPD = Math.PI * R / 180;
  var lat0 = parseFloat(svg.dataset.lat0), lng0 = parseFloat(svg.dataset.lng0);
  var upm = parseFloat(svg.dataset.upm), size = parseFloat(svg.dataset.size);
  var corners = [];
  function toLatLng(x, y) {
    var mx = (x - size / 2) / upm, my = (y - size / 2) / upm;
    return [lng0 + mx / (Math.cos(lat0 * Math.PI / 180) * MPD), lat0 - my / MPD];
  }
  function redraw() {
    document.getElementById("drawn").setAttribute("points", corners.map(function (c) { return c.x + "," + c.y; }).join(" "));
    var count = document.getElementById("drawn-count");
    if (count) count.textContent = corners.length ? corners.length + " ·" : "";
    if (corners.length >= 3) {
      var ring = corners.map(function (c) { return toLatLng(c.x, c.y).map(function (v) { return Math.round(v * 1e7) / 1e7; }); });
      ring.push(ring[0]);
      field.value = JSON.stringify({type: "Polygon", coordinates: [ring]});
    } else {
      field.value = "";
    }
  }
  svg.addEventListener("click", function (event) {
    var point = svg.createSVGPoint();
    point.x = event.clientX; point.y = event.clientY;
    var p = point.matrixTransform(svg.getScreenCTM().inverse());
    corners.push({x: Math.round(p.x), y: Math.round(p.y)});
    redraw();
  });
  document.getElementById("clear-drawing").addEventListener("click", function () { corners = []; redraw(); });
  redraw();
})();
