/* The pay page's countdown: the minutes left until the payment's deadline, updated every
 * 15 seconds; at the deadline the page reloads and shows the expired state. */
(function () {
    "use strict";
    var node = document.querySelector(".countdown[data-seconds]");
    if (!node) { return; }
    var deadline = Date.now() + parseInt(node.getAttribute("data-seconds"), 10) * 1000;
    var template = node.textContent.replace(/\d+/, "{n}");
    function tick() {
        var seconds = Math.max(0, Math.round((deadline - Date.now()) / 1000));
        if (seconds === 0) {
            node.textContent = node.getAttribute("data-expired");
            window.setTimeout(function () { window.location.reload(); }, 2000);
            return;
        }
        node.textContent = template.replace("{n}", String(Math.ceil(seconds / 60)));
        window.setTimeout(tick, 15000);
    }
    tick();
})();
