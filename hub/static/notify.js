/* Parley inbox notifications, which each agent turns on for themselves (kept in this browser):
   desktop notifications and a short sound when a conversation is assigned to them, a customer
   replies in one of theirs, or a colleague whispers or @mentions them. The stream sends these as
   "notify" events; the tab title counts them while the page is not in view. */
(function () {
  "use strict";
  var KEY = "parley.notify";
  var baseTitle = document.title;
  var unseen = 0;

  function prefs() {
    try { return JSON.parse(localStorage.getItem(KEY) || "{}"); } catch (e) { return {}; }
  }
  function save(p) { localStorage.setItem(KEY, JSON.stringify(p)); }

  function control() { return document.getElementById("notify-settings"); }
  function text(name, fallback) {
    var el = control();
    return (el && el.dataset[name]) || fallback;
  }

  function titleCount() {
    document.title = unseen > 0 ? "(" + unseen + ") " + baseTitle : baseTitle;
  }
  function seen() { unseen = 0; titleCount(); }
  document.addEventListener("visibilitychange", function () { if (!document.hidden) seen(); });
  window.addEventListener("focus", seen);

  function beep() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    var ctx = new Ctx(), osc = ctx.createOscillator(), gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.35);
    osc.connect(gain); gain.connect(ctx.destination);
    osc.start(); osc.stop(ctx.currentTime + 0.35);
  }

  var TITLES = { assigned: "titleAssigned", reply: "titleReply", whisper: "titleWhisper", mention: "titleMention" };

  function announce(data) {
    var p = prefs();
    var title = text(TITLES[data.kind] || "titleReply", "Parley");
    if (document.hidden || !document.hasFocus()) { unseen += 1; titleCount(); }
    if (window.ParleyToast) window.ParleyToast(title + (data.text ? ": " + data.text : ""), "ok");
    if (p.sound) beep();
    if (p.desktop && "Notification" in window && Notification.permission === "granted") {
      var n = new Notification(title, { body: data.text || "", tag: data.conversation_id || data.kind });
      n.onclick = function () {
        window.focus();
        if (data.conversation_id) window.location.href = "/inbox/c/" + data.conversation_id;
        n.close();
      };
    }
    document.dispatchEvent(new CustomEvent("parley:notified", { detail: data }));
  }

  var hooked = new WeakSet();
  document.addEventListener("htmx:sseOpen", function (evt) {
    var source = evt.detail && evt.detail.source;
    if (!source || hooked.has(source)) return;
    hooked.add(source);
    source.addEventListener("notify", function (msg) {
      try { announce(JSON.parse(msg.data)); } catch (e) { /* a malformed event is ignored */ }
    });
  });

  function sync() {
    var el = control();
    if (!el) return;
    var p = prefs();
    el.querySelectorAll("input[data-pref]").forEach(function (box) { box.checked = !!p[box.dataset.pref]; });
  }

  document.addEventListener("change", function (evt) {
    var box = evt.target;
    if (!box.dataset || !box.dataset.pref) return;
    var p = prefs();
    p[box.dataset.pref] = box.checked;
    save(p);
    if (box.dataset.pref === "desktop" && box.checked && "Notification" in window &&
        Notification.permission !== "granted") {
      Notification.requestPermission().then(function (answer) {
        if (answer !== "granted") {
          p.desktop = false; save(p); sync();
          if (window.ParleyToast) window.ParleyToast(text("denied", "The browser refused notifications."), "error");
        }
      });
    }
    if (window.ParleyToast) window.ParleyToast(text("saved", "Notification settings saved."), "ok");
  });
  document.addEventListener("DOMContentLoaded", sync);
})();
