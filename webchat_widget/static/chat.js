/* Parley web chat UI, running in the hub-served iframe. No framework; every message text is
   set with textContent, never parsed as HTML. Talks to the host page only by postMessage to
   (and from) the page origin the hub checked. */
(function () {
  "use strict";
  var ds = document.body.dataset;
  var CHANNEL = ds.channel, ORIGIN = ds.origin;
  var STORE = "parley." + CHANNEL + ".";

  var T = {
    en: { title: "Chat with us", placeholder: "Write a message…", send: "Send", attach: "Attach a file",
      typing: "{name} is typing…", offline: "We are away right now. Leave your email address and we will answer by email.",
      email: "Email", name: "Name", start: "Start chat", saved: "Thanks! We will answer by email.",
      sending: "Sending…", retrying: "Not sent yet, retrying…", failed: "Not sent", you: "You",
      close: "Close", refused: "This chat is not available here.", identity: "We could not verify who you are.",
      limited: "Too many messages, please wait a moment.", file: "File", tooBig: "That file is too large.",
      badType: "That type of file cannot be sent.", save: "Save" },
    da: { title: "Chat med os", placeholder: "Skriv en besked…", send: "Send", attach: "Vedhæft en fil",
      typing: "{name} skriver…", offline: "Vi er ikke til stede lige nu. Skriv din e-mailadresse, så svarer vi på mail.",
      email: "E-mail", name: "Navn", start: "Start chat", saved: "Tak! Vi svarer på mail.",
      sending: "Sender…", retrying: "Ikke sendt endnu, prøver igen…", failed: "Ikke sendt", you: "Dig",
      close: "Luk", refused: "Denne chat er ikke tilgængelig her.", identity: "Vi kunne ikke bekræfte, hvem du er.",
      limited: "For mange beskeder, vent et øjeblik.", file: "Fil", tooBig: "Filen er for stor.",
      badType: "Den filtype kan ikke sendes.", save: "Gem" },
    sv: { title: "Chatta med oss", placeholder: "Skriv ett meddelande…", send: "Skicka", attach: "Bifoga en fil",
      typing: "{name} skriver…", offline: "Vi är inte här just nu. Lämna din e-postadress så svarar vi via e-post.",
      email: "E-post", name: "Namn", start: "Starta chatten", saved: "Tack! Vi svarar via e-post.",
      sending: "Skickar…", retrying: "Inte skickat än, försöker igen…", failed: "Inte skickat", you: "Du",
      close: "Stäng", refused: "Den här chatten är inte tillgänglig här.", identity: "Vi kunde inte bekräfta vem du är.",
      limited: "För många meddelanden, vänta en stund.", file: "Fil", tooBig: "Filen är för stor.",
      badType: "Den filtypen kan inte skickas.", save: "Spara" },
    nb: { title: "Chat med oss", placeholder: "Skriv en melding…", send: "Send", attach: "Legg ved en fil",
      typing: "{name} skriver…", offline: "Vi er ikke til stede nå. Legg igjen e-postadressen din, så svarer vi på e-post.",
      email: "E-post", name: "Navn", start: "Start chat", saved: "Takk! Vi svarer på e-post.",
      sending: "Sender…", retrying: "Ikke sendt ennå, prøver igjen…", failed: "Ikke sendt", you: "Deg",
      close: "Lukk", refused: "Denne chatten er ikke tilgjengelig her.", identity: "Vi kunne ikke bekrefte hvem du er.",
      limited: "For mange meldinger, vent litt.", file: "Fil", tooBig: "Filen er for stor.",
      badType: "Den filtypen kan ikke sendes.", save: "Lagre" },
    nl: { title: "Chat met ons", placeholder: "Schrijf een bericht…", send: "Versturen", attach: "Bestand toevoegen",
      typing: "{name} typt…", offline: "We zijn nu niet bereikbaar. Laat je e-mailadres achter, dan antwoorden we per e-mail.",
      email: "E-mail", name: "Naam", start: "Chat starten", saved: "Bedankt! We antwoorden per e-mail.",
      sending: "Versturen…", retrying: "Nog niet verstuurd, opnieuw proberen…", failed: "Niet verstuurd", you: "Jij",
      close: "Sluiten", refused: "Deze chat is hier niet beschikbaar.", identity: "We konden niet controleren wie je bent.",
      limited: "Te veel berichten, wacht even.", file: "Bestand", tooBig: "Dat bestand is te groot.",
      badType: "Dat soort bestand kan niet worden verstuurd.", save: "Opslaan" },
    fr: { title: "Discutez avec nous", placeholder: "Écrivez un message…", send: "Envoyer", attach: "Joindre un fichier",
      typing: "{name} écrit…", offline: "Nous sommes absents pour le moment. Laissez votre adresse e-mail et nous répondrons par e-mail.",
      email: "E-mail", name: "Nom", start: "Commencer", saved: "Merci ! Nous répondrons par e-mail.",
      sending: "Envoi…", retrying: "Pas encore envoyé, nouvel essai…", failed: "Non envoyé", you: "Vous",
      close: "Fermer", refused: "Cette discussion n’est pas disponible ici.", identity: "Nous n’avons pas pu vérifier votre identité.",
      limited: "Trop de messages, patientez un instant.", file: "Fichier", tooBig: "Ce fichier est trop volumineux.",
      badType: "Ce type de fichier ne peut pas être envoyé.", save: "Enregistrer" }
  };

  function pickLang() {
    var nav = (navigator.language || "").slice(0, 2).toLowerCase();
    if (nav === "no" || nav === "nn") nav = "nb";
    return [ds.lang, nav, ds.defaultLang, "en"].filter(function (l) { return T[l]; })[0];
  }
  var lang = pickLang(), t = T[lang];
  document.documentElement.lang = lang;

  var S = {
    token: get("token"), config: null, es: null, last: null, caughtUp: false,
    seen: {}, pending: JSON.parse(get("pending") || "[]"), flushing: false,
    open: window.parent === window, unread: 0, typingAt: 0, typingTimer: null, agentTimer: null
  };

  function get(k) { try { return localStorage.getItem(STORE + k); } catch (e) { return null; } }
  function put(k, v) {
    try { if (v === null) localStorage.removeItem(STORE + k); else localStorage.setItem(STORE + k, v); } catch (e) { /* storage off */ }
  }
  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined && text !== null) n.textContent = text;
    return n;
  }
  function icon(d) {
    var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg"), path = document.createElementNS(ns, "path");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "18");
    svg.setAttribute("height", "18");
    svg.setAttribute("aria-hidden", "true");
    path.setAttribute("d", d);
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", "1.8");
    svg.appendChild(path);
    return svg;
  }
  function randomKey() {
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function toParent(msg) { if (window.parent !== window) window.parent.postMessage(msg, ORIGIN); }

  // ------------------------------------------------------------------ layout
  var root = document.getElementById("parley-chat");
  var head = el("header", "head");
  var title = el("h1", "title", t.title);
  var closeBtn = el("button", "close", "×");
  closeBtn.type = "button";
  closeBtn.setAttribute("aria-label", t.close);
  closeBtn.addEventListener("click", function () { toParent({ parley: "close" }); });
  head.append(title, closeBtn);
  var notice = el("div", "notice");
  var list = el("ol", "messages");
  var typingLine = el("div", "typing");
  var errorLine = el("div", "error");
  errorLine.setAttribute("role", "alert");
  var form = el("form", "composer");
  var input = el("textarea");
  input.rows = 1;
  input.placeholder = t.placeholder;
  input.setAttribute("aria-label", t.placeholder);
  input.maxLength = 5000;
  var fileInput = el("input");
  fileInput.type = "file";
  fileInput.hidden = true;
  var attachBtn = el("button", "attach");
  attachBtn.appendChild(icon("M16.5 6.5v9.5a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10a1.5 1.5 0 0 1-3 0V6.5"));
  attachBtn.type = "button";
  attachBtn.setAttribute("aria-label", t.attach);
  var sendBtn = el("button", "send", t.send);
  sendBtn.type = "submit";
  form.append(attachBtn, input, fileInput, sendBtn);
  root.append(head, notice, list, typingLine, errorLine, form);
  notice.hidden = true;
  form.hidden = true;

  function showError(text) {
    errorLine.textContent = text || "";
  }

  // ------------------------------------------------------------------ API
  function api(method, path, body) {
    var headers = { Authorization: "Bearer " + S.token };
    var isForm = body instanceof FormData;
    if (body && !isForm) headers["Content-Type"] = "application/json";
    return fetch(path, { method: method, headers: headers, body: isForm ? body : body && JSON.stringify(body) })
      .then(function (r) {
        if (r.status === 204) return {};
        return r.json().catch(function () { return {}; }).then(function (j) {
          if (r.ok) return j;
          var e = new Error((j.error && j.error.message) || String(r.status));
          e.status = r.status;
          e.code = j.error && j.error.code;
          throw e;
        });
      });
  }

  function startSession(identity) {
    S.identity = identity;
    var body = { channel: CHANNEL, origin: ORIGIN, token: S.token };
    if (identity) {
      body.user_id = identity.user_id;
      body.user_hash = identity.user_hash;
      body.name = identity.name;
      body.email = identity.email;
    }
    fetch("/widget/v1/session", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) { return { status: r.status, body: j }; });
    }).then(function (res) {
      if (res.status === 429 || res.status >= 500) throw new Error("retry");
      if (res.status !== 200) return refuse(res.body.error || {});
      S.token = res.body.token;
      put("token", S.token);
      S.config = res.body;
      ready();
    }).catch(function () { setTimeout(function () { startSession(identity); }, 2000); });
  }

  function renew() {
    // The token is no longer valid (expired, or the hub's key changed): start a new session.
    S.token = null;
    S.config = null;
    put("token", null);
    if (S.es) S.es.close();
    startSession(S.identity);
  }

  function refuse(error) {
    var identityError = /^identity_/.test(error.code || "");
    root.className = "refused";
    notice.hidden = false;
    notice.textContent = identityError ? t.identity : t.refused;
    form.hidden = true;
    if (identityError) { S.token = null; put("token", null); }
  }

  function ready() {
    form.hidden = false;
    if (!S.config.open && !get("email")) offlineForm();
    connect();
    flush();
  }

  // ------------------------------------------------------------------ forms
  function fieldsForm(fields, label, done) {
    var f = el("form", "fields");
    var inputs = {};
    fields.forEach(function (name) {
      var l = el("label", null, t[name]);
      var i = el("input");
      i.name = name;
      i.type = name === "email" ? "email" : "text";
      i.required = true;
      l.appendChild(i);
      f.appendChild(l);
      inputs[name] = i;
    });
    var b = el("button", null, label);
    b.type = "submit";
    f.appendChild(b);
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = {};
      fields.forEach(function (name) { body[name] = inputs[name].value.trim(); });
      api("POST", "/widget/v1/contact", body).then(function (j) {
        S.token = j.token;
        put("token", S.token);
        if (body.email) put("email", "1");
        done(f);
      }).catch(function (err) { showError(err.message); });
    });
    return f;
  }

  function offlineForm() {
    notice.hidden = false;
    notice.textContent = "";
    notice.appendChild(el("p", null, t.offline));
    notice.appendChild(fieldsForm(["email"], t.save, function (f) {
      f.replaceWith(el("p", "saved", t.saved));
    }));
  }

  function prechat() {
    var fields = (S.config.prechat_fields || []).filter(function (f) { return T.en[f]; });
    if (!fields.length || get("prechat") || list.children.length) return;
    form.hidden = true;
    var f = fieldsForm(fields, t.start, function (node) {
      put("prechat", "1");
      node.remove();
      var offline = notice.querySelector("form");
      if (offline && fields.indexOf("email") >= 0) offline.replaceWith(el("p", "saved", t.saved));
      form.hidden = false;
      input.focus();
    });
    f.classList.add("prechat");
    root.insertBefore(f, typingLine);
  }

  // ------------------------------------------------------------------ messages
  function mediaUrl(a) {
    return "/widget/v1/media/" + encodeURIComponent(a.id) + "?ticket=" + encodeURIComponent(S.ticket);
  }

  function bubble(m, state) {
    var li = el("li", "msg " + (m.direction === "out" ? "out" : "in"));
    if (m.direction === "out") li.appendChild(el("div", "who", m.sender_name));
    if (m.text) li.appendChild(el("div", "text", m.text));
    (m.attachments || []).forEach(function (a) {
      if (!a.id) { li.appendChild(el("div", "file", (a.filename || t.file))); return; }
      if (/^image\/(png|jpeg|gif|webp)$/.test(a.content_type)) {
        var img = el("img");
        img.src = mediaUrl(a);
        img.alt = a.filename || t.file;
        li.appendChild(img);
      } else {
        var link = el("a", "file", a.filename || t.file);
        link.href = mediaUrl(a);
        link.target = "_blank";
        link.rel = "noopener";
        li.appendChild(link);
      }
    });
    if (state) li.appendChild(el("div", "state", state));
    return li;
  }

  function clearQuickReplies() {
    Array.prototype.forEach.call(list.querySelectorAll(".qr"), function (n) { n.remove(); });
  }

  function quickReplies(li, m) {
    if (!m.quick_replies || !m.quick_replies.length) return;
    var box = el("div", "qr");
    m.quick_replies.forEach(function (q) {
      var b = el("button", null, q.title);
      b.type = "button";
      b.addEventListener("click", function () { clearQuickReplies(); queue(q.title, q.payload); });
      box.appendChild(b);
    });
    li.appendChild(box);
  }

  function render(m) {
    if (S.seen[m.id]) return;
    S.seen[m.id] = true;
    if (m.key) {
      var p = list.querySelector('[data-key="' + m.key + '"]');
      if (p) p.remove();
    }
    clearQuickReplies();
    var li = bubble(m);
    li.dataset.id = m.id;
    li.dataset.ts = m.ts;
    quickReplies(li, m);
    // In stored order: a reply stored while we were offline goes before what we sent later.
    var next = list.querySelector(".pending");
    Array.prototype.some.call(list.querySelectorAll("li[data-ts]"), function (n) {
      if (Number(n.dataset.ts) > m.ts) { next = n; return true; }
      return false;
    });
    list.insertBefore(li, next);
    list.scrollTop = list.scrollHeight;
    if (m.direction === "out") {
      agentTyping(false);
      if (S.caughtUp && !S.open) { S.unread += 1; toParent({ parley: "unread", count: S.unread }); }
    }
  }

  // ------------------------------------------------------------------ sending
  function savePending() {
    put("pending", JSON.stringify(S.pending.map(function (p) { return { key: p.key, text: p.text, payload: p.payload }; })));
  }

  function queue(text, payload, file) {
    var item = { key: randomKey(), text: text, payload: payload || null, file: file || null };
    S.pending.push(item);
    if (!file) savePending();
    showPending(item, t.sending);
    flush();
  }

  function showPending(item, state) {
    var old = list.querySelector('[data-key="' + item.key + '"]');
    var li = bubble({ direction: "in", text: item.text,
      attachments: item.file ? [{ filename: item.file.name }] : [] }, state);
    li.classList.add("pending");
    li.dataset.key = item.key;
    if (old) old.replaceWith(li); else list.appendChild(li);
    list.scrollTop = list.scrollHeight;
  }

  function flush(delay) {
    if (S.flushing || !S.token || !S.config) return;
    var item = S.pending[0];
    if (!item) return;
    S.flushing = true;
    var body = { key: item.key, text: item.text || "", payload: item.payload };
    if (item.file) {
      body = new FormData();
      body.append("key", item.key);
      body.append("text", item.text || "");
      body.append("file", item.file);
    }
    api("POST", "/widget/v1/messages", body).then(function (m) {
      S.pending.shift();
      savePending();
      S.flushing = false;
      showError("");
      render(m);
      flush();
    }).catch(function (err) {
      S.flushing = false;
      if (err.status === 401) return renew();
      var retry = !err.status || err.status === 429 || err.status >= 500;
      if (retry) {
        showPending(item, t.retrying);
        if (err.status === 429) showError(t.limited);
        var wait = Math.min((delay || 1000) * 2, 8000);
        setTimeout(function () { flush(wait); }, delay || 1000);
      } else {
        S.pending.shift();
        savePending();
        showPending(item, t.failed);
        showError(err.message);
        flush();
      }
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    sendTyping(false);
    queue(text);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  input.addEventListener("input", function () { sendTyping(true); });
  attachBtn.addEventListener("click", function () { fileInput.click(); });
  fileInput.addEventListener("change", function () {
    var f = fileInput.files[0];
    fileInput.value = "";
    if (!f || !S.config) return;
    if (f.size > S.config.max_media_bytes) return showError(t.tooBig);
    if (S.config.media_types.indexOf(f.type) < 0) return showError(t.badType);
    queue("", null, f);
  });

  // ------------------------------------------------------------------ typing
  function sendTyping(on) {
    var at = Date.now();
    clearTimeout(S.typingTimer);
    if (on) {
      S.typingTimer = setTimeout(function () { sendTyping(false); }, 4000);
      if (at - S.typingAt < 3000) return;  // throttled: one "typing" every 3 s at most
    }
    S.typingAt = on ? at : 0;
    if (S.token && list.children.length) api("POST", "/widget/v1/typing", { typing: on }).catch(function () {});
  }

  function agentTyping(on, name) {
    clearTimeout(S.agentTimer);
    typingLine.textContent = on ? t.typing.replace("{name}", name) : "";
    if (on) S.agentTimer = setTimeout(function () { agentTyping(false); }, 8000);
  }

  // ------------------------------------------------------------------ live stream
  function connect() {
    if (S.es) S.es.close();
    S.caughtUp = false;
    // The stream's URL carries a short-lived read-only ticket, never the token itself.
    api("POST", "/widget/v1/ticket").then(function (j) {
      S.ticket = j.ticket;
      listen("/widget/v1/events?ticket=" + encodeURIComponent(S.ticket) +
        (S.last ? "&after=" + encodeURIComponent(S.last) : ""));
    }).catch(function (err) {
      if (err.status === 401) renew(); else setTimeout(connect, 2000);
    });
  }

  function listen(url) {
    var es = new EventSource(url);
    S.es = es;
    es.addEventListener("message", function (e) {
      var m = JSON.parse(e.data);
      S.last = m.id;
      render(m);
    });
    es.addEventListener("caught_up", function () {
      S.caughtUp = true;
      root.dataset.live = "1";
      prechat();
    });
    es.addEventListener("typing", function (e) {
      var d = JSON.parse(e.data);
      agentTyping(d.typing, d.name);
    });
    es.addEventListener("resync", function () { es.close(); setTimeout(connect, 200); });
    es.onerror = function () {
      root.dataset.live = "";
      // The browser retries by itself (with Last-Event-ID); once it gives up, start again.
      if (es.readyState === EventSource.CLOSED) setTimeout(connect, 2000);
    };
  }

  // ------------------------------------------------------------------ host page
  window.addEventListener("message", function (e) {
    if (e.origin !== ORIGIN || e.source !== window.parent || !e.data) return;
    var m = e.data;
    if (m.parley === "init") {
      S.open = !!m.open;
      if (!S.started) { S.started = true; startSession(m.identity); }
    } else if (m.parley === "opened") {
      S.open = true;
      S.unread = 0;
      input.focus();
    } else if (m.parley === "closed") {
      S.open = false;
    }
  });
  if (window.parent === window) { S.started = true; startSession(null); }
  else toParent({ parley: "ready" });
  S.pending.forEach(function (p) { showPending(p, t.sending); });
})();
