/* Parley's service worker: served at /sw.js, registered by shell.js with the scope /inbox
   (hub/inbox/app_shell.py fills in the version and the file list).
   - Static files: the versioned URLs of hub/static, kept in a cache named by VERSION and
     answered from it first; a deploy that changes any file changes VERSION, so the new worker
     fills a new cache and drops the old ones when it takes over.
   - Pages: always the network first; when it is gone, the offline page kept at install (in the
     user's language: it is fetched again when a page answers in another one). Pages are never
     kept: they carry the account's conversations. Fragments, JSON and the live stream are not
     touched at all. Signing out deletes every cache (shell.js).
   - Push: the hub's Web Push payload {kind, conversation_id, title, body, url} becomes a
     notification, one per conversation; a click focuses an open inbox on it or opens one. */
"use strict";
var VERSION = {{ version|tojson }};
var FILES = {{ files|tojson }};
var OFFLINE = {{ offline|tojson }};
var SCOPE = {{ scope|tojson }};
var ICON = {{ icon|tojson }};
var BADGE = {{ badge|tojson }};
var STATIC_CACHE = "parley-static-" + VERSION;
var PAGE_CACHE = "parley-page-" + VERSION;
var KNOWN = new Set(FILES.map(function (file) { return new URL(file, self.location.origin).href; }));

function keepOffline() {
  return fetch(OFFLINE, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
    if (!response.ok || response.redirected) throw new Error("offline page: " + response.status);
    return caches.open(PAGE_CACHE).then(function (cache) { return cache.put(OFFLINE, response); });
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(Promise.all([
    caches.open(STATIC_CACHE).then(function (cache) { return cache.addAll(FILES); }),
    keepOffline(),
  ]).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) {
      return key.indexOf("parley-") === 0 && key !== STATIC_CACHE && key !== PAGE_CACHE;
    }).map(function (key) { return caches.delete(key); }));
  }).then(function () {
    if (self.registration.navigationPreload) return self.registration.navigationPreload.enable();
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (KNOWN.has(url.href)) {
    event.respondWith(staticFile(request));
  }
  // Anything else (fragments, JSON, the live stream) goes to the network as if we were not here.
});

function staticFile(request) {
  return caches.open(STATIC_CACHE).then(function (cache) {
    return cache.match(request, { ignoreVary: true }).then(function (hit) {
      if (hit) return hit;
      return fetch(request).then(function (response) {
        if (response.ok) cache.put(request, response.clone());
        return response;
      });
    });
  });
}

/* A gateway's 502 or 504 means the hub behind it is down: the offline page says so better. */
var GATEWAY_DOWN = [502, 504];

function page(event) {
  var answered = Promise.resolve(event.preloadResponse).then(function (preloaded) {
    return preloaded || fetch(event.request);
  });
  return answered.then(function (response) {
    if (GATEWAY_DOWN.indexOf(response.status) !== -1) {
      return offlinePage().then(function (offline) { return offline || response; });
    }
    event.waitUntil(refreshOffline(response));
    return response;
  }, function () {
    return offlinePage().then(function (offline) { return offline || Response.error(); });
  });
}

function offlinePage() {
  return caches.open(PAGE_CACHE).then(function (cache) { return cache.match(OFFLINE); });
}

/* The offline page speaks the language the pages answer in (Content-Language); it is fetched
   again when that changes, or when signing out emptied the caches. */
function refreshOffline(response) {
  var language = response.headers.get("content-language");
  if (!response.ok || response.redirected || !language) return Promise.resolve();
  return offlinePage().then(function (kept) {
    if (kept && kept.headers.get("content-language") === language) return;
    return keepOffline().catch(function () { /* tried again after the next page */ });
  });
}

/* Only the inbox's own addresses are opened from a notification. */
function inboxUrl(value) {
  try {
    var url = new URL(value, self.location.origin);
    if (url.origin === self.location.origin && url.pathname.indexOf(SCOPE) === 0) return url.href;
  } catch (e) { /* not a URL */ }
  return new URL(SCOPE, self.location.origin).href;
}

self.addEventListener("push", function (event) {
  var data = {};
  try { data = (event.data && event.data.json()) || {}; } catch (e) { data = {}; }
  var text = function (value) { return typeof value === "string" ? value : ""; };
  var conversation = text(data.conversation_id);
  var options = {
    body: text(data.body),
    icon: ICON,
    badge: BADGE,
    tag: conversation || text(data.kind) || "parley",
    renotify: true,
    data: { url: inboxUrl(data.url), kind: text(data.kind), conversation_id: conversation },
  };
  event.waitUntil(self.registration.showNotification(text(data.title) || "Parley", options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = inboxUrl(event.notification.data && event.notification.data.url);
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    var inbox = windows.filter(function (win) { return new URL(win.url).pathname.indexOf(SCOPE) === 0; });
    inbox.sort(function (a, b) { return (b.focused ? 1 : 0) - (a.focused ? 1 : 0); });
    if (!inbox.length) return self.clients.openWindow(target);
    var win = inbox[0];
    var there = win.url === target ? Promise.resolve(win) : win.navigate(target).then(function (to) {
      return to || win;
    });
    return there.then(function (to) { return to.focus(); }, function () {
      return self.clients.openWindow(target); // a window this worker does not control
    });
  }));
});
