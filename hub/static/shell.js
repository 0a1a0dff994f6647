/* The installable inbox in the page: a signed-in page registers the service worker (/sw.js,
   scope /inbox); signing out first deletes its caches, this browser's push subscription and the
   notifications still shown
   (a shared computer keeps nothing of the user); the offline page reloads itself as soon as
   the hub answers again. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  var body = document.body;

  if (body.hasAttribute("data-signed-in")) {
    navigator.serviceWorker.register("/sw.js", { scope: "/inbox" }).catch(function () {
      /* an older browser or a private window: the inbox works the same without it */
    });
  }

  function forget() {
    var clearing = window.caches ? caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) { return key.indexOf("parley-") === 0; })
        .map(function (key) { return caches.delete(key); }));
    }) : Promise.resolve();
    var registration = navigator.serviceWorker.getRegistration("/inbox");
    var unsubscribing = registration.then(function (reg) {
      return reg && reg.pushManager ? reg.pushManager.getSubscription() : null;
    }).then(function (subscription) { return subscription && subscription.unsubscribe(); });
    var closing = registration.then(function (reg) {
      return reg ? reg.getNotifications() : [];
    }).then(function (shown) { shown.forEach(function (note) { note.close(); }); });
    return Promise.all([clearing, unsubscribing, closing]);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.logout") || form.dataset.forgotten) return;
    event.preventDefault();
    var sent = false;
    function send() {
      if (sent) return;
      sent = true;
      form.dataset.forgotten = "true";
      form.submit();
    }
    setTimeout(send, 2000); // never keep a user from signing out
    forget().then(send, send);
  });

  if (document.querySelector("[data-offline]")) {
    var retry = function () {
      fetch("/inbox/offline", { method: "HEAD", cache: "no-store" }).then(function (response) {
        if (!response.ok) return;
        // Shown in place of the page asked for: load that one; opened by its own address: the inbox.
        if (window.location.pathname === "/inbox/offline") window.location.assign("/inbox");
        else window.location.reload();
      }, function () { /* still gone */ });
    };
    window.addEventListener("online", retry);
    setInterval(retry, 10000);
  }
})();
