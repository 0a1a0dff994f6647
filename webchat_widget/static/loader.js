/* Parley web chat loader (see the README's "Web chat widget" section for its attributes and
   the window.Parley API). */
(function () {
  "use strict";
  var me = document.currentScript ||
    document.querySelector('script[data-channel][src*="/widget/v1/loader.js"]');
  if (!me || window.__parleyChat) return;
  window.__parleyChat = true;
  var hub = new URL(me.src).origin;
  var d = me.dataset;
  var LANGS = ["en", "da", "sv", "nb", "nl", "fr"];
  var lang = d.lang || "";
  var labels = { en: "Chat with us", da: "Chat med os", sv: "Chatta med oss",
    nb: "Chat med oss", nl: "Chat met ons", fr: "Discutez avec nous" };
  var nav = (navigator.language || "en").slice(0, 2).toLowerCase();
  var open = false, ready = false, fromPage = false, later = [], look = {}, unread = 0, flash = null;
  var pageTitle = document.title;
  var identity = d.userId ? { user_id: d.userId, user_hash: d.userHash || "", name: d.userName || null,
    email: d.userEmail || null, phone: d.userPhone || null } : null;
  var phone = window.matchMedia("(max-width: 639px)");

  function label() { return labels[lang] || labels[nav] || labels.en; }
  function src() {
    return hub + "/widget/v1/frame?channel=" + encodeURIComponent(d.channel) +
      "&origin=" + encodeURIComponent(location.origin) + (lang ? "&lang=" + encodeURIComponent(lang) : "");
  }

  var frame = document.createElement("iframe");
  frame.src = src();
  frame.title = label();
  frame.setAttribute("data-parley", "frame");
  frame.allow = "clipboard-write; autoplay";

  var button = document.createElement("button");
  button.type = "button";
  button.setAttribute("data-parley", "launcher");
  button.setAttribute("aria-label", label());
  button.setAttribute("aria-expanded", "false");
  var text = document.createElement("span");
  var badge = document.createElement("span");
  badge.setAttribute("data-parley", "unread");
  style(badge, "position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 5px;" +
    "border-radius:10px;background:#d62547;color:#fff;font:bold 12px/20px sans-serif;display:none");

  function style(el, css) { el.style.cssText = css; }
  function layout() {
    var side = look.position === "left" ? "left" : "right", full = phone.matches || screen.width < 640;
    var vv = window.visualViewport;
    style(frame, full
      ? "position:fixed;top:0;left:0;width:100%;height:" + (vv ? vv.height + "px" : "100%") +
        ";border:0;border-radius:0;background:#fff;z-index:2147483647"
      : "position:fixed;bottom:88px;" + side + ":16px;width:370px;height:560px;" +
        "max-width:calc(100vw - 32px);max-height:calc(100vh - 104px);border:0;" +
        "border-radius:12px;box-shadow:0 8px 32px rgba(0,0,0,.25);background:#fff;z-index:2147483646");
    frame.style.display = open ? "block" : "none";
    var c = look.colour || "#2557d6", fg = look.text_colour || "#fff", t = look.launcher_text;
    style(button, "position:fixed;bottom:16px;" + side + ":16px;height:60px;min-width:60px;" +
      "border-radius:30px;border:0;background:" + c + ";color:" + fg + ";cursor:pointer;" +
      "box-shadow:0 4px 16px rgba(0,0,0,.3);z-index:2147483647;display:flex;align-items:center;" +
      "justify-content:center;gap:8px;font:600 15px/1 system-ui,sans-serif;padding:0 " + (t ? "20px" : "0"));
    if (full && open) button.style.display = "none";
    button.innerHTML = '<svg width="28" height="28" viewBox="0 0 24 24" aria-hidden="true">' +
      '<path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';
    text.textContent = t || "";
    if (t) button.appendChild(text);
    button.appendChild(badge);
  }
  function post(msg) { frame.contentWindow && frame.contentWindow.postMessage(msg, hub); }
  function send(msg) { if (ready) post(msg); else later.push(msg); }
  function emit(name, detail) { window.dispatchEvent(new CustomEvent("parley:" + name, { detail: detail || {} })); }
  function warn(text) { console.warn("Parley." + text + "; nothing changed"); }
  function title(on) {
    clearInterval(flash);
    document.title = pageTitle;
    if (!on) return;
    var odd = false;
    flash = setInterval(function () { odd = !odd; document.title = odd ? "(" + unread + ") " + label() : pageTitle; }, 1000);
  }
  function toggle(state) {
    var was = open;
    open = state === undefined ? !open : !!state;
    layout();
    button.setAttribute("aria-expanded", String(open));
    if (open) { unread = 0; badge.style.display = "none"; title(false); }
    post({ parley: open ? "opened" : "closed" });
    if (was !== open) emit(open ? "open" : "close");
  }
  button.addEventListener("click", function () { toggle(); });
  phone.addEventListener("change", layout);
  if (window.visualViewport) window.visualViewport.addEventListener("resize", function () { if (phone.matches) layout(); });

  window.addEventListener("message", function (e) {
    // Only the hub's frame may talk to us.
    if (e.origin !== hub || e.source !== frame.contentWindow || !e.data) return;
    var m = e.data;
    if (m.parley === "ready") {
      post({ parley: "init", open: open, identity: identity, fromPage: fromPage });
      ready = true;
      later.splice(0).forEach(post);
    } else if (m.parley === "session") {
      look = m.appearance || {};
      layout();
      emit("ready", { verified: m.verified });
    } else if (m.parley === "close") {
      toggle(false);
    } else if (m.parley === "message") {
      emit("message", m.message);
    } else if (m.parley === "unread" && !open && m.count > 0) {
      unread = m.count;
      badge.textContent = String(m.count);
      badge.style.display = "block";
      title(true);
    }
  });

  // ---------------------------------------------------------------- the page's API
  var api = {
    open: function () { toggle(true); },
    close: function () { toggle(false); },
    toggle: function () { toggle(); },
    setUser: function (u) {
      if (!u || typeof u.id !== "string" || !u.id || u.id.length > 200 || typeof u.hash !== "string" ||
        !/^[0-9a-f]{64}$/i.test(u.hash)) return warn("setUser needs {id, hash} (hash: 64 hex digits)");
      fromPage = true;
      identity = { user_id: u.id, user_hash: u.hash, name: u.name || null, email: u.email || null, phone: u.phone || null };
      if (ready) post({ parley: "identify", identity: identity });
    },
    setAttributes: function (a) {
      if (!a || typeof a !== "object" || Array.isArray(a) || !Object.keys(a).length) return warn("setAttributes needs an object");
      send({ parley: "attributes", attributes: a });
    },
    setLanguage: function (code) {
      if (LANGS.indexOf(code) < 0) return warn("setLanguage needs one of " + LANGS.join(", "));
      lang = code;
      frame.title = label();
      button.setAttribute("aria-label", label());
      ready = false;
      frame.src = src();
    },
    reset: function () {
      identity = null;
      send({ parley: "reset" });
      ready = false;
    }
  };
  var queued = (window.Parley && window.Parley.q) || [];
  window.Parley = api;
  function mount() {
    layout();
    document.body.appendChild(frame);
    document.body.appendChild(button);
    queued.forEach(function (call) {
      var f = api[call[0]];
      if (f) f.apply(null, [].slice.call(call[1] || [])); else warn(call[0] + " is not a Parley call");
    });
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
