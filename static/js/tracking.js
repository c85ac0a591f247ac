/* 订单跟踪: keeps the tracking page current without a reload button.
 * Every few seconds it asks this site's tracking API (GET /api/v1/orders/<number>/tracking/)
 * for the order; it moves each courier marker on its map, updates the estimated arrival, and
 * reloads the page when a group's status changed (the page then shows the new step, code or
 * reason as the server renders it). It stops when every group is finished. Nothing is loaded
 * from another host; the messages come translated in data attributes. */
(function () {
    "use strict";
    var root = document.getElementById("tracking");
    if (!root || !window.fetch || root.dataset.final === "true") {
        return;
    }
    var METRES_PER_DEGREE = Math.PI * 6371008.8 / 180;  // as communities/circle_map.py
    var EDGE = 40;  // as delivery/tracking_map.py: a courier out of view sits on the edge
    var pollMs = Math.max(parseInt(root.dataset.pollSeconds, 10) || 10, 3) * 1000;
    var updated = document.getElementById("tracking-updated");
    var clock;
    try {
        clock = new Intl.DateTimeFormat("zh-CN", {
            hour: "2-digit", minute: "2-digit", hour12: false, timeZone: root.dataset.timeZone
        });
    } catch (e) {
        clock = new Intl.DateTimeFormat("zh-CN", {hour: "2-digit", minute: "2-digit", hour12: false});
    }

    function hhmm(date) {
        return clock.format(date);
    }

    function project(svg, lat, lng) {
        var size = parseFloat(svg.dataset.size);
        var lat0 = parseFloat(svg.dataset.lat0);
        var lng0 = parseFloat(svg.dataset.lng0);
        var scale = parseFloat(svg.dataset.unitsPerMetre);
        var x = size / 2 + (lng - lng0) * Math.cos(lat0 * Math.PI / 180) * METRES_PER_DEGREE * scale;
        var y = size / 2 - (lat - lat0) * METRES_PER_DEGREE * scale;
        return [Math.min(Math.max(x, EDGE), size - EDGE), Math.min(Math.max(y, EDGE), size - EDGE)];
    }

    function moveCourier(section, courier) {
        var svg = section.querySelector("svg.tracking-map");
        var marker = svg && svg.querySelector("[data-courier]");
        if (!marker) {
            return;
        }
        var line = svg.querySelector("[data-courier-line]");
        var note = section.querySelector("[data-courier-note]");
        if (!courier || courier.lat === null || courier.lng === null) {
            return;  // keep the last position drawn
        }
        var xy = project(svg, courier.lat, courier.lng);
        marker.setAttribute("transform", "translate(" + xy[0].toFixed(1) + " " + xy[1].toFixed(1) + ")");
        marker.removeAttribute("visibility");
        if (line) {
            line.setAttribute("x1", xy[0].toFixed(1));
            line.setAttribute("y1", xy[1].toFixed(1));
            line.removeAttribute("visibility");
        }
        if (note) {
            note.hidden = true;
        }
    }

    function showEta(section, group) {
        var eta = section.querySelector(".tracking-eta");
        if (!eta || section.dataset.service === "true") {
            return;  // a home service keeps its booked time, written by the server
        }
        if (!group.eta) {
            eta.hidden = true;
            return;
        }
        var pickup = section.dataset.method === "pickup" || group.status === "ready_for_pickup";
        var template = pickup ? root.dataset.etaPickup : root.dataset.etaDelivery;
        eta.textContent = template.replace("{time}", hhmm(new Date(group.eta)));
        eta.dataset.eta = group.eta;
        eta.hidden = false;
    }

    function apply(body) {
        var finished = true;
        for (var i = 0; i < body.groups.length; i++) {
            var group = body.groups[i];
            var section = root.querySelector('[data-group-id="' + group.id + '"]');
            if (!section || section.dataset.status !== group.status) {
                window.location.reload();  // a new step: let the server draw it
                return false;
            }
            moveCourier(section, group.courier);
            showEta(section, group);
            if (["delivered", "collected", "rejected", "failed", "cancelled"].indexOf(group.status) < 0) {
                finished = false;
            }
        }
        if (updated) {
            updated.textContent = root.dataset.updated.replace("{time}", hhmm(new Date()));
        }
        return !finished;
    }

    function poll() {
        fetch(root.dataset.apiUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
            .then(function (response) {
                if (!response.ok) {
                    throw new Error(String(response.status));
                }
                return response.json();
            })
            .then(function (body) {
                if (apply(body)) {
                    window.setTimeout(poll, pollMs);
                }
            })
            .catch(function () {
                if (updated) {
                    updated.textContent = root.dataset.offline;
                }
                window.setTimeout(poll, pollMs * 2);
            });
    }

    window.setTimeout(poll, pollMs);
})();
