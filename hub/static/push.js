/* Parley Web Push on "My account": "Turn on notifications on this device" asks the browser for
   permission, subscribes through the inbox's service worker (registered with scope /inbox by the
   app shell) with the hub's VAPID public key, and gives the subscription to the hub. Every step
   says how it went in the status line and a toast; a browser without push says so in the status
   line as the page opens. */
(function () {
  "use strict";
  var SAID = "parley.push.said";

  function box() { return document.getElementById("devices"); }
  function say(key, kind, quiet) {
    var el = box(), line = document.getElementById("push-status");
    var msg = (el && el.dataset[key]) || key;
    if (line) { line.textContent = msg; line.hidden = false; line.className = kind === "error" ? "error" : "notice"; }
    if (window.ParleyToast && !quiet) window.ParleyToast(msg, kind || "ok");
  }
  function keyBytes(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; }
    catch (e) { return ""; }
  }
  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }
  var WAIT_MS = 3000; // a first visit: the app shell may still be registering its worker
  function registration() {
    if (!supported()) return Promise.resolve(null);
    return navigator.serviceWorker.getRegistration("/inbox").then(function (r) {
      if (r) return r;
      var late = new Promise(function (done) { setTimeout(function () { done(null); }, WAIT_MS); });
      return Promise.race([navigator.serviceWorker.ready, late]);
    }).then(function (r) {
      return r && r.pushManager ? r : null;
    }, function () { return null; });
  }
  function subscribe(reg, key) {
    var options = { userVisibleOnly: true, applicationServerKey: keyBytes(key) };
    return reg.pushManager.subscribe(options).catch(function () {
      // Subscribed before under another key (a new data directory): start again.
      return reg.pushManager.getSubscription().then(function (old) {
        return (old ? old.unsubscribe() : Promise.resolve(true)).then(function () {
          return reg.pushManager.subscribe(options);
        });
      });
    });
  }
  function enable() {
    registration().then(function (reg) {
      if (!reg) { say("unavailable", "error"); return; }
      say("working", "ok");
      return Notification.requestPermission().then(function (answer) {
        if (answer !== "granted") { say("denied", "error"); return; }
        return fetch("/inbox/push/key", { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (data) { return subscribe(reg, data.public_key); })
          .then(function (sub) {
            return fetch("/inbox/push/subscriptions", {
              method: "POST", credentials: "same-origin",
              headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
              body: JSON.stringify(sub.toJSON())
            });
          })
          .then(function (r) {
            if (r.status !== 201) { say("failed", "error"); return; }
            sessionStorage.setItem(SAID, "subscribed");
            window.location.reload(); // the list of devices shows the new one
          });
      });
    }).catch(function () { say("failed", "error"); });
  }
  function markThisDevice() {
    registration().then(function (reg) {
      return reg ? reg.pushManager.getSubscription() : null;
    }).then(function (sub) {
      if (!sub) return;
      var el = box();
      document.querySelectorAll(".push-device-list li[data-endpoint]").forEach(function (li) {
        if (li.dataset.endpoint !== sub.endpoint) return;
        var legend = li.querySelector("legend");
        if (legend) legend.textContent += " (" + (el.dataset.thisDevice || "this device") + ")";
      });
    }).catch(function () { /* nothing to mark */ });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("push-enable");
    if (!button) return;
    button.addEventListener("click", enable);
    var said = sessionStorage.getItem(SAID);
    if (said) { sessionStorage.removeItem(SAID); say(said, "ok"); }
    var line = document.getElementById("push-status");
    registration().then(function (reg) {
      if (!reg && line && line.hidden) say("unavailable", "error", true); // the hub's word stays
    });
    markThisDevice();
  });
})();
