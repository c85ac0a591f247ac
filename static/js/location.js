/* 我的位置: the "use my location" button. It asks the browser for the position (the browser
 * asks the resident first), fills in the latitude and longitude and submits the form.
 * Nothing is sent anywhere but this site. The messages come translated in data attributes. */
(function () {
    "use strict";
    var box = document.getElementById("geolocate");
    var form = document.getElementById("point-form");
    if (!box || !form || !("geolocation" in navigator)) {
        return;  // no geolocation: the typed fields still work
    }
    var button = document.getElementById("use-my-location");
    var status = document.getElementById("geolocate-status");
    box.hidden = false;
    button.addEventListener("click", function () {
        button.disabled = true;
        status.textContent = box.dataset.working;
        navigator.geolocation.getCurrentPosition(
            function (position) {
                form.elements.lat.value = position.coords.latitude.toFixed(6);
                form.elements.lng.value = position.coords.longitude.toFixed(6);
                status.textContent = box.dataset.done;
                form.submit();
            },
            function () {
                status.textContent = box.dataset.denied;
                button.disabled = false;
            },
            {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000}
        );
    });
})();
