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
      badType: "That type of file cannot be sent.", save: "Save",
      greeting: "Hi! How can we help you today?", replyMin: "We typically reply in {n} minutes", replyHour: "We typically reply in {n} hours", back: "We are back {when}.", bot: "Bot", sent: "Sent", seen: "Seen", step: "Before we start", intro: "Tell us your name and email address, so we can answer you even if you leave this page.", transcript: "Email me this conversation", transcriptSent: "Sent to {email}.", newMsg: "New message", online: "Available now", count: "{n} / {max} characters", tooLong: "Too long: {n} characters, at most {max} can be sent. Shorten the message or send it in parts." },
    da: { title: "Chat med os", placeholder: "Skriv en besked…", send: "Send", attach: "Vedhæft en fil",
      typing: "{name} skriver…", offline: "Vi er ikke til stede lige nu. Skriv din e-mailadresse, så svarer vi på mail.",
      email: "E-mail", name: "Navn", start: "Start chat", saved: "Tak! Vi svarer på mail.",
      sending: "Sender…", retrying: "Ikke sendt endnu, prøver igen…", failed: "Ikke sendt", you: "Dig",
      close: "Luk", refused: "Denne chat er ikke tilgængelig her.", identity: "Vi kunne ikke bekræfte, hvem du er.",
      limited: "For mange beskeder, vent et øjeblik.", file: "Fil", tooBig: "Filen er for stor.",
      badType: "Den filtype kan ikke sendes.", save: "Gem",
      greeting: "Hej! Hvordan kan vi hjælpe dig i dag?", replyMin: "Vi svarer typisk inden for {n} minutter", replyHour: "Vi svarer typisk inden for {n} timer", back: "Vi er tilbage {when}.", bot: "Bot", sent: "Sendt", seen: "Set", step: "Før vi starter", intro: "Skriv dit navn og din e-mailadresse, så kan vi svare dig, selv hvis du forlader siden.", transcript: "Send mig samtalen på mail", transcriptSent: "Sendt til {email}.", newMsg: "Ny besked", online: "Til stede nu", count: "{n} / {max} tegn", tooLong: "For lang: {n} tegn, højst {max} kan sendes. Gør beskeden kortere, eller send den i flere dele." },
    sv: { title: "Chatta med oss", placeholder: "Skriv ett meddelande…", send: "Skicka", attach: "Bifoga en fil",
      typing: "{name} skriver…", offline: "Vi är inte här just nu. Lämna din e-postadress så svarar vi via e-post.",
      email: "E-post", name: "Namn", start: "Starta chatten", saved: "Tack! Vi svarar via e-post.",
      sending: "Skickar…", retrying: "Inte skickat än, försöker igen…", failed: "Inte skickat", you: "Du",
      close: "Stäng", refused: "Den här chatten är inte tillgänglig här.", identity: "Vi kunde inte bekräfta vem du är.",
      limited: "För många meddelanden, vänta en stund.", file: "Fil", tooBig: "Filen är för stor.",
      badType: "Den filtypen kan inte skickas.", save: "Spara",
      greeting: "Hej! Hur kan vi hjälpa dig i dag?", replyMin: "Vi svarar oftast inom {n} minuter", replyHour: "Vi svarar oftast inom {n} timmar", back: "Vi är tillbaka {when}.", bot: "Bot", sent: "Skickat", seen: "Sett", step: "Innan vi börjar", intro: "Skriv ditt namn och din e-postadress, så kan vi svara även om du lämnar sidan.", transcript: "Mejla mig konversationen", transcriptSent: "Skickat till {email}.", newMsg: "Nytt meddelande", online: "Tillgängliga nu", count: "{n} / {max} tecken", tooLong: "För långt: {n} tecken, högst {max} kan skickas. Korta meddelandet eller skicka det i flera delar." },
    nb: { title: "Chat med oss", placeholder: "Skriv en melding…", send: "Send", attach: "Legg ved en fil",
      typing: "{name} skriver…", offline: "Vi er ikke til stede nå. Legg igjen e-postadressen din, så svarer vi på e-post.",
      email: "E-post", name: "Navn", start: "Start chat", saved: "Takk! Vi svarer på e-post.",
      sending: "Sender…", retrying: "Ikke sendt ennå, prøver igjen…", failed: "Ikke sendt", you: "Deg",
      close: "Lukk", refused: "Denne chatten er ikke tilgjengelig her.", identity: "Vi kunne ikke bekrefte hvem du er.",
      limited: "For mange meldinger, vent litt.", file: "Fil", tooBig: "Filen er for stor.",
      badType: "Den filtypen kan ikke sendes.", save: "Lagre",
      greeting: "Hei! Hvordan kan vi hjelpe deg i dag?", replyMin: "Vi svarer vanligvis innen {n} minutter", replyHour: "Vi svarer vanligvis innen {n} timer", back: "Vi er tilbake {when}.", bot: "Bot", sent: "Sendt", seen: "Sett", step: "Før vi starter", intro: "Skriv navnet og e-postadressen din, så kan vi svare deg selv om du forlater siden.", transcript: "Send meg samtalen på e-post", transcriptSent: "Sendt til {email}.", newMsg: "Ny melding", online: "Tilgjengelige nå", count: "{n} / {max} tegn", tooLong: "For lang: {n} tegn, høyst {max} kan sendes. Gjør meldingen kortere, eller send den i flere deler." },
    nl: { title: "Chat met ons", placeholder: "Schrijf een bericht…", send: "Versturen", attach: "Bestand toevoegen",
      typing: "{name} typt…", offline: "We zijn nu niet bereikbaar. Laat je e-mailadres achter, dan antwoorden we per e-mail.",
      email: "E-mail", name: "Naam", start: "Chat starten", saved: "Bedankt! We antwoorden per e-mail.",
      sending: "Versturen…", retrying: "Nog niet verstuurd, opnieuw proberen…", failed: "Niet verstuurd", you: "Jij",
      close: "Sluiten", refused: "Deze chat is hier niet beschikbaar.", identity: "We konden niet controleren wie je bent.",
      limited: "Te veel berichten, wacht even.", file: "Bestand", tooBig: "Dat bestand is te groot.",
      badType: "Dat soort bestand kan niet worden verstuurd.", save: "Opslaan",
      greeting: "Hoi! Waarmee kunnen we je helpen?", replyMin: "We antwoorden meestal binnen {n} minuten", replyHour: "We antwoorden meestal binnen {n} uur", back: "We zijn terug {when}.", bot: "Bot", sent: "Verstuurd", seen: "Gezien", step: "Voordat we beginnen", intro: "Laat je naam en e-mailadres achter, dan kunnen we antwoorden, ook als je deze pagina verlaat.", transcript: "Mail mij dit gesprek", transcriptSent: "Verstuurd naar {email}.", newMsg: "Nieuw bericht", online: "Nu beschikbaar", count: "{n} / {max} tekens", tooLong: "Te lang: {n} tekens, er kunnen er hoogstens {max} worden verstuurd. Maak het bericht korter of verstuur het in delen." },
    fr: { title: "Discutez avec nous", placeholder: "Écrivez un message…", send: "Envoyer", attach: "Joindre un fichier",
      typing: "{name} écrit…", offline: "Nous sommes absents pour le moment. Laissez votre adresse e-mail et nous répondrons par e-mail.",
      email: "E-mail", name: "Nom", start: "Commencer", saved: "Merci ! Nous répondrons par e-mail.",
      sending: "Envoi…", retrying: "Pas encore envoyé, nouvel essai…", failed: "Non envoyé", you: "Vous",
      close: "Fermer", refused: "Cette discussion n’est pas disponible ici.", identity: "Nous n’avons pas pu vérifier votre identité.",
      limited: "Trop de messages, patientez un instant.", file: "Fichier", tooBig: "Ce fichier est trop volumineux.",
      badType: "Ce type de fichier ne peut pas être envoyé.", save: "Enregistrer",
      greeting: "Bonjour ! Comment pouvons-nous vous aider ?", replyMin: "Nous répondons généralement en {n} minutes", replyHour: "Nous répondons généralement en {n} heures", back: "Nous serons de retour {when}.", bot: "Bot", sent: "Envoyé", seen: "Vu", step: "Avant de commencer", intro: "Indiquez votre nom et votre adresse e-mail, pour que nous puissions vous répondre même si vous quittez la page.", transcript: "M’envoyer cette conversation par e-mail", transcriptSent: "Envoyé à {email}.", newMsg: "Nouveau message", online: "Disponibles maintenant", count: "{n} / {max} caractères", tooLong: "Trop long : {n} caractères, {max} au plus peuvent être envoyés. Raccourcissez le message ou envoyez-le en plusieurs parties." }
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
    seen: {}, pending: JSON.parse(get("pending") || "[]"), flushing: false, seenTs: 0,
    open: window.parent === window, unread: 0, typingAt: 0, typingTimer: null, agentTimer: null,
    later: []
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
  function fill(text, vars) { return text.replace(/\{(\w+)\}/g, function (_, k) { return vars[k]; }); }
  function avatar(initials, name) {
    var a = el("span", "avatar", initials || "?");
    a.title = name || "";
    a.setAttribute("aria-hidden", "true");
    return a;
  }

  // ------------------------------------------------------------------ layout
  // head | notice | scroll (welcome, messages) | typing | error | panels | composer | tools
  var root = document.getElementById("parley-chat");
  var head = el("header", "head");
  var who = el("div", "team");
  var avatars = el("div", "avatars");
  var names = el("div", "names");
  var title = el("h1", "title", t.title);
  var teamLine = el("p", "team-line");
  names.append(title, teamLine);
  who.append(avatars, names);
  var closeBtn = el("button", "close", "×");
  closeBtn.type = "button";
  closeBtn.setAttribute("aria-label", t.close);
  closeBtn.addEventListener("click", function () { toParent({ parley: "close" }); });
  head.append(who, closeBtn);
  var notice = el("div", "notice");
  var scroller = el("div", "scroll");
  var welcome = el("div", "welcome");
  // The live region is a wrapper: an <ol role="log"> loses its list semantics, and its
  // items are then flagged (axe: listitem).
  var log = el("div", "log");
  log.setAttribute("role", "log");
  var list = el("ol", "messages");
  log.appendChild(list);
  scroller.append(welcome, log);
  var typingLine = el("div", "typing");
  typingLine.setAttribute("aria-live", "polite");
  var errorLine = el("div", "error");
  errorLine.setAttribute("role", "alert");
  // Other features (CSAT, callback) put their panels here: window.ParleyChat.panels.
  var panels = el("div", "panels");
  panels.id = "parley-panels";
  var form = el("form", "composer");
  var input = el("textarea");
  input.rows = 1;
  input.placeholder = t.placeholder;
  input.setAttribute("aria-label", t.placeholder);
  // No maxlength: a long paste is kept whole, and the counter says what is too much.
  var counter = el("div", "count");
  counter.id = "parley-count";
  counter.setAttribute("aria-live", "polite");
  counter.hidden = true;
  input.setAttribute("aria-describedby", counter.id);
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
  var tools = el("div", "tools");
  var transcriptBtn = el("button", "transcript", t.transcript);
  transcriptBtn.type = "button";
  tools.appendChild(transcriptBtn);
  root.append(head, notice, scroller, typingLine, errorLine, panels, counter, form, tools);
  notice.hidden = true;
  form.hidden = true;
  tools.hidden = true;

  function showError(text) {
    errorLine.textContent = text || "";
  }
  // The list stays at its newest message unless the visitor scrolled up to read: after a
  // reload, when the frame opens (a hidden frame has no height to scroll), and whenever
  // the list or the frame changes size (images, the survey's buttons, the keyboard).
  var stick = true;
  function scrollDown() { scroller.scrollTop = scroller.scrollHeight; }
  function follow() { if (stick) scrollDown(); }
  scroller.addEventListener("scroll", function () {
    stick = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 24;
  });
  if (window.ResizeObserver) {
    var watcher = new ResizeObserver(follow);
    watcher.observe(scroller);
    watcher.observe(list);
  }

  // ------------------------------------------------------------------ length
  function maxText() { return (S.config && S.config.max_text) || 5000; }
  function countText() {
    var n = input.value.length, max = maxText(), over = n > max;
    counter.hidden = n < max * 0.8;
    counter.classList.toggle("over", over);
    counter.setAttribute("role", over ? "alert" : "status");
    counter.textContent = fill(over ? t.tooLong : t.count, { n: n.toLocaleString(lang), max: max.toLocaleString(lang) });
    if (over) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    return !over;
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

  function startSession(identity, fromPage) {
    S.identity = identity;
    var body = { channel: CHANNEL, origin: ORIGIN, token: S.token, lang: lang };
    if (identity) {
      body.user_id = identity.user_id;
      body.user_hash = identity.user_hash;
      body.name = identity.name;
      body.email = identity.email;
      body.phone = identity.phone;
    }
    fetch("/widget/v1/session", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) { return { status: r.status, body: j }; });
    }).then(function (res) {
      if (res.status === 429 || res.status >= 500) throw new Error("retry");
      var err = res.body.error || {};
      if (res.status !== 200 && fromPage && err.code === "identity_invalid") {
        // Parley.setUser with a wrong hash: stay (or become) an unverified visitor.
        console.warn("Parley.setUser: " + err.message + "; the visitor stays unverified");
        return startSession(null);
      }
      if (res.status !== 200) return refuse(err);
      S.token = res.body.token;
      put("token", S.token);
      S.config = res.body;
      ready();
    }).catch(function () { setTimeout(function () { startSession(identity, fromPage); }, 2000); });
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
    var c = S.config;
    form.hidden = false;
    tools.hidden = !c.transcript;
    appearance(c.appearance || {});
    header(c);
    greet(c);
    if (!c.open && !get("email")) offlineForm();
    toParent({ parley: "session", verified: c.verified, appearance: c.appearance });
    connect();
    flush();
    S.later.splice(0).forEach(function (f) { f(); });
  }

  // ------------------------------------------------------------------ welcome
  function appearance(a) {
    var css = document.documentElement.style;
    if (a.colour) {
      css.setProperty("--brand", a.colour);
      css.setProperty("--on-brand", a.text_colour);
      css.setProperty("--accent", a.accent_readable ? a.colour : "#1d2330");
    }
    root.classList.toggle("no-avatars", a.show_agent_avatars === false);
  }

  function header(c) {
    title.textContent = c.team_name || t.title;
    teamLine.textContent = c.team_line || "";
    teamLine.hidden = !c.team_line;
    avatars.textContent = "";
    (c.agents || []).forEach(function (a) { avatars.appendChild(avatar(a.initials, a.name)); });
    avatars.hidden = !avatars.children.length;
    if (!avatars.hidden) avatars.title = t.online + ": " + c.agents.map(function (a) { return a.name; }).join(", ");
  }

  function greet(c) {
    welcome.textContent = "";
    welcome.appendChild(el("p", "greeting", c.greeting || t.greeting));
    var n = c.reply_minutes;
    if (c.open && n) {
      var hours = n >= 120;
      welcome.appendChild(el("p", "reply-time", fill(hours ? t.replyHour : t.replyMin, { n: hours ? Math.round(n / 60) : n })));
    }
  }

  function backText(iso) {
    var at = new Date(iso);
    var sameDay = at.toDateString() === new Date().toDateString();
    var opts = sameDay ? { hour: "2-digit", minute: "2-digit" } : { weekday: "long", hour: "2-digit", minute: "2-digit" };
    return fill(t.back, { when: at.toLocaleString(lang, opts) });
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
      i.autocomplete = name;
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
    if (S.config.back_at) notice.appendChild(el("p", "back", backText(S.config.back_at)));
    notice.appendChild(fieldsForm(["email"], t.save, function (f) {
      f.replaceWith(el("p", "saved", t.saved));
    }));
  }

  function prechat() {
    var fields = (S.config.prechat_fields || []).filter(function (f) { return T.en[f]; });
    if (!fields.length || get("prechat") || list.children.length || root.querySelector(".step")) return;
    // A first step of its own: why we ask, then the form; the chat follows.
    var step = el("section", "step");
    step.append(el("h2", null, t.step), el("p", null, t.intro));
    var f = fieldsForm(fields, t.start, function () {
      put("prechat", "1");
      step.remove();
      scroller.hidden = false;
      var offline = notice.querySelector("form");
      if (offline && fields.indexOf("email") >= 0) offline.replaceWith(el("p", "saved", t.saved));
      form.hidden = false;
      input.focus();
    });
    f.classList.add("prechat");
    step.appendChild(f);
    form.hidden = true;
    scroller.hidden = true;
    root.insertBefore(step, typingLine);
    var first = f.querySelector("input");
    if (first && S.open) first.focus();
  }

  // ------------------------------------------------------------------ messages
  function mediaUrl(a) {
    return "/widget/v1/media/" + encodeURIComponent(a.id) + "?ticket=" + encodeURIComponent(S.ticket);
  }

  var URL_RE = /\bhttps?:\/\/[^\s<>"']+/g;
  function richText(text) {
    // Links become <a> elements built by hand (http/https only); the rest stays text.
    var box = el("div", "text"), at = 0, m;
    URL_RE.lastIndex = 0;
    while ((m = URL_RE.exec(text))) {
      var url = m[0].replace(/[.,;:!?)\]]+$/, "");
      box.append(text.slice(at, m.index));
      var a = el("a", null, url);
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer nofollow";
      box.appendChild(a);
      at = m.index + url.length;
      URL_RE.lastIndex = at;
    }
    box.append(text.slice(at));
    return box;
  }

  var rtf = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(lang, { numeric: "auto" }) : null;
  function relative(ts) {
    var s = Math.round((ts - Date.now()) / 1000), a = Math.abs(s);
    if (!rtf) return new Date(ts).toLocaleTimeString(lang);
    if (a < 45) return rtf.format(0, "second");
    if (a < 3600) return rtf.format(Math.round(s / 60), "minute");
    if (a < 86400) return rtf.format(Math.round(s / 3600), "hour");
    return rtf.format(Math.round(s / 86400), "day");
  }
  function stamp(ts) {
    var exact = new Date(ts).toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });
    var time = el("time", null, relative(ts));
    time.dateTime = new Date(ts).toISOString();
    time.dataset.ts = ts;
    time.dataset.exact = exact;
    time.title = exact;
    time.tabIndex = 0;
    time.setAttribute("aria-label", exact);
    return time;
  }
  setInterval(function () {
    Array.prototype.forEach.call(list.querySelectorAll("time"), function (n) { n.textContent = relative(Number(n.dataset.ts)); });
  }, 30000);

  function byline(m) {
    var b = el("div", "byline");
    b.appendChild(avatar(m.sender_initials, m.sender_name));
    b.appendChild(el("span", "who", m.sender_name));
    if (m.sender_type === "bot") b.appendChild(el("span", "bot", t.bot));
    return b;
  }

  function bubble(m, state) {
    var li = el("li", "msg " + (m.direction === "out" ? "out" : "in"));
    if (m.direction === "out") li.appendChild(byline(m));
    if (m.text) li.appendChild(richText(m.text));
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
    var meta = el("div", "meta");
    if (m.ts) meta.appendChild(stamp(m.ts));
    if (state || m.direction === "in") meta.appendChild(el("span", "state", state || t.sent));
    li.appendChild(meta);
    return li;
  }

  function markSeen() {
    Array.prototype.forEach.call(list.querySelectorAll(".msg.in[data-ts]"), function (n) {
      if (Number(n.dataset.ts) <= S.seenTs && !n.classList.contains("seen")) {
        n.classList.add("seen");
        n.querySelector(".state").textContent = t.seen;
      }
    });
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
    // The stored copy replaces the pending one, whichever of the stream and the POST came first.
    if (m.key) {
      var p = list.querySelector('[data-key="' + m.key + '"]');
      if (p) p.remove();
    }
    if (S.seen[m.id]) return;
    S.seen[m.id] = true;
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
    markSeen();
    if (m.direction === "in") stick = true;
    follow();
    if (!S.caughtUp) return;
    toParent({ parley: "message", message: { id: m.id, direction: m.direction, text: m.text,
      sender_name: m.sender_name, sender_type: m.sender_type, created_at: m.created_at } });
    if (m.direction === "out") {
      agentTyping(false);
      if (!S.open) { S.unread += 1; toParent({ parley: "unread", count: S.unread }); chime(); }
    }
  }

  function chime() {
    // Optional (appearance.sound, off by default): a short tone, where the browser allows it.
    if (!(S.config.appearance || {}).sound) return;
    try {
      var ctx = new (window.AudioContext || window.webkitAudioContext)(), o = ctx.createOscillator(), g = ctx.createGain();
      o.frequency.value = 660;
      g.gain.value = 0.08;
      o.connect(g);
      g.connect(ctx.destination);
      o.start();
      o.stop(ctx.currentTime + 0.15);
    } catch (e) { /* no audio */ }
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
    stick = true;
    scrollDown();
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
    if (!countText()) { input.focus(); return; }  // too long: said, kept, not cut
    input.value = "";
    countText();
    sendTyping(false);
    queue(text);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  input.addEventListener("input", function () { sendTyping(true); countText(); });
  attachBtn.addEventListener("click", function () { fileInput.click(); });
  fileInput.addEventListener("change", function () {
    var f = fileInput.files[0];
    fileInput.value = "";
    if (!f || !S.config) return;
    if (f.size > S.config.max_media_bytes) return showError(t.tooBig);
    if (S.config.media_types.indexOf(f.type) < 0) return showError(t.badType);
    queue("", null, f);
  });

  // ------------------------------------------------------------------ transcript
  function sendTranscript(email) {
    api("POST", "/widget/v1/transcript", email ? { email: email } : {}).then(function (j) {
      panels.querySelector(".transcript-form") && panels.querySelector(".transcript-form").remove();
      showError("");
      tools.textContent = "";
      tools.appendChild(el("p", "saved", fill(t.transcriptSent, { email: j.sent_to })));
    }).catch(function (err) {
      if (err.code !== "email_required") return showError(err.message);
      if (panels.querySelector(".transcript-form")) return;
      var f = el("form", "fields transcript-form"), l = el("label", null, t.email), i = el("input"), b = el("button", null, t.send);
      i.type = "email";
      i.required = true;
      i.autocomplete = "email";
      b.type = "submit";
      l.appendChild(i);
      f.append(l, b);
      f.addEventListener("submit", function (e) { e.preventDefault(); sendTranscript(i.value.trim()); });
      panels.appendChild(f);
      i.focus();
    });
  }
  transcriptBtn.addEventListener("click", function () { sendTranscript(null); });

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
      stick = true;
      scrollDown();
      root.dataset.live = "1";
      prechat();
    });
    es.addEventListener("typing", function (e) {
      var d = JSON.parse(e.data);
      agentTyping(d.typing, d.name);
    });
    es.addEventListener("seen", function (e) {
      S.seenTs = Math.max(S.seenTs, JSON.parse(e.data).ts);
      markSeen();
    });
    es.addEventListener("resync", function () { es.close(); setTimeout(connect, 200); });
    es.onerror = function () {
      root.dataset.live = "";
      // The browser retries by itself (with Last-Event-ID); once it gives up, start again.
      if (es.readyState === EventSource.CLOSED) setTimeout(connect, 2000);
    };
  }

  // ------------------------------------------------------------------ host page
  function restart(identity) {
    // Another visitor (setUser): forget what this one saw, open a session for the new one.
    if (S.es) S.es.close();
    S.seen = {};
    S.last = null;
    S.seenTs = 0;
    list.textContent = "";
    root.dataset.live = "";
    startSession(identity, true);
  }

  function setAttributes(attrs) {
    api("POST", "/widget/v1/attributes", { attributes: attrs }).catch(function (err) {
      console.warn("Parley.setAttributes: " + err.message);
    });
  }

  window.addEventListener("message", function (e) {
    if (e.origin !== ORIGIN || e.source !== window.parent || !e.data) return;
    var m = e.data;
    if (m.parley === "init") {
      S.open = !!m.open;
      if (!S.started) { S.started = true; startSession(m.identity, m.fromPage); }
    } else if (m.parley === "opened") {
      S.open = true;
      S.unread = 0;
      stick = true;
      requestAnimationFrame(scrollDown);
      input.focus();
    } else if (m.parley === "closed") {
      S.open = false;
    } else if (m.parley === "identify") {
      restart(m.identity);
    } else if (m.parley === "attributes") {
      if (S.config) setAttributes(m.attributes); else S.later.push(function () { setAttributes(m.attributes); });
    } else if (m.parley === "reset") {
      ["token", "pending", "prechat", "email"].forEach(function (k) { put(k, null); });
      location.reload();
    }
  });
  window.ParleyChat = { panels: panels, api: api, t: t, lang: lang, config: function () { return S.config; } };
  if (window.parent === window) { S.started = true; startSession(null); }
  else toParent({ parley: "ready" });
  S.pending.forEach(function (p) { showPending(p, t.sending); });
})();
