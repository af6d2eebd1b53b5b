// The dashboard's figures refresh every 30 s without a reload: the server renders the same
// fragment (research:dashboard_figures) and this swaps it in. Paused while the tab is hidden;
// a failed refresh says so and tries again at the next tick.
(function () {
  "use strict";
  var box = document.getElementById("live-figures");
  if (!box || !window.fetch || !window.DOMParser) { return; }
  var url = box.dataset.refreshUrl;
  var period = 1000 * (parseInt(box.dataset.refreshSeconds, 10) || 30);

  function say(text) {
    var status = box.querySelector(".refresh-status");
    if (status) { status.textContent = text; }
  }

  function refresh() {
    if (document.hidden) { return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").body;
        box.replaceChildren.apply(box, Array.prototype.slice.call(fresh.childNodes));
      })
      .catch(function () { say(" (could not refresh just now; trying again shortly)"); });
  }

  window.setInterval(refresh, period);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { refresh(); }
  });
})();
