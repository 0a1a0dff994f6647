/* Parley web chat loader: adds a launcher button and the chat iframe served by the hub.
   Embed: <script src="HUB/widget/v1/loader.js" data-channel="ID" async></script>
   Optional attributes: data-lang, data-user-id + data-user-hash (HMAC-SHA256 of the user id
   with the channel's identity secret, computed on your server), data-user-name, data-user-email,
   data-user-phone (prefills the "call me back" panel). */
(function () {
  "use strict";
  var me = document.currentScript ||
    document.querySelector('script[data-channel][src*="/widget/v1/loader.js"]');
  if (!me || window.__parleyChat) return;
  window.__parleyChat = true;
  var hub = new URL(me.src).origin;
  var d = me.dataset;
  var lang = d.lang || "";
  var labels = { en: "Chat with us", da: "Chat med os", sv: "Chatta med oss",
    nb: "Chat med oss", nl: "Chat met ons", fr: "Discutez avec nous" };
  var nav = (navigator.language || "en").slice(0, 2).toLowerCase();
  var label = labels[lang] || labels[nav] || labels.en;
  var open = false;

  var src = hub + "/widget/v1/frame?channel=" + encodeURIComponent(d.channel) +
    "&origin=" + encodeURIComponent(location.origin) +
    (lang ? "&lang=" + encodeURIComponent(lang) : "");

  var frame = document.createElement("iframe");
  frame.src = src;
  frame.title = label;
  frame.setAttribute("data-parley", "frame");
  frame.allow = "clipboard-write";
  style(frame, "position:fixed;bottom:88px;right:16px;width:370px;height:560px;" +
    "max-width:calc(100vw - 32px);max-height:calc(100vh - 104px);border:0;" +
    "border-radius:12px;box-shadow:0 8px 32px rgba(0,0,0,.25);background:#fff;" +
    "z-index:2147483646;display:none");

  var button = document.createElement("button");
  button.type = "button";
  button.setAttribute("data-parley", "launcher");
  button.setAttribute("aria-label", label);
  button.setAttribute("aria-expanded", "false");
  button.innerHTML = '<svg width="28" height="28" viewBox="0 0 24 24" aria-hidden="true">' +
    '<path fill="#fff" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';
  style(button, "position:fixed;bottom:16px;right:16px;width:60px;height:60px;" +
    "border-radius:50%;border:0;background:#2557d6;cursor:pointer;" +
    "box-shadow:0 4px 16px rgba(0,0,0,.3);z-index:2147483647;padding:0");

  var badge = document.createElement("span");
  style(badge, "position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;" +
    "border-radius:10px;background:#d62547;color:#fff;font:bold 12px/20px sans-serif;" +
    "display:none");
  button.appendChild(badge);

  function style(el, css) { el.style.cssText = css; }
  function post(msg) { frame.contentWindow && frame.contentWindow.postMessage(msg, hub); }
  function toggle(state) {
    open = state === undefined ? !open : state;
    frame.style.display = open ? "block" : "none";
    button.setAttribute("aria-expanded", String(open));
    if (open) { badge.style.display = "none"; }
    post({ parley: open ? "opened" : "closed" });
  }
  button.addEventListener("click", function () { toggle(); });

  window.addEventListener("message", function (e) {
    // Only the hub's frame may talk to us.
    if (e.origin !== hub || e.source !== frame.contentWindow || !e.data) return;
    var m = e.data;
    if (m.parley === "ready") {
      post({ parley: "init", open: open, identity: d.userId ? { user_id: d.userId,
        user_hash: d.userHash || "", name: d.userName || null, email: d.userEmail || null,
        phone: d.userPhone || null } : null });
    } else if (m.parley === "close") {
      toggle(false);
    } else if (m.parley === "unread" && !open && m.count > 0) {
      badge.textContent = String(m.count);
      badge.style.display = "block";
    }
  });

  function mount() {
    document.body.appendChild(frame);
    document.body.appendChild(button);
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
