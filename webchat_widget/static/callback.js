/* Parley web chat: the "call me back instead" panel. Self-contained beside chat.js: it reads
   the visitor token chat.js keeps, asks /widget/v1/callback whether the channel's team offers
   callbacks now, and shows a small panel (number prefilled from the visitor's identity or
   contact, a window from today's and tomorrow's remaining ones, an optional note). */
(function () {
  "use strict";
  var ds = document.body.dataset;
  var CHANNEL = ds.channel, ORIGIN = ds.origin;
  var T = {
    en: { offer: "Call me back instead", title: "We'll call you back", phone: "Phone number",
      window: "When", note: "Note or customer number (optional)", send: "Call me back", cancel: "Cancel",
      today: "Today", tomorrow: "Tomorrow", done: "Thank you. We will call you on {phone}, {when}.",
      badPhone: "Please enter your number with the country code, e.g. +45 20 12 34 56.",
      badWindow: "That time is no longer available. Please choose another.",
      limited: "Too many requests, please wait a moment.", failed: "That did not work. Please try again." },
    da: { offer: "Ring mig op i stedet", title: "Vi ringer dig op", phone: "Telefonnummer",
      window: "Hvornår", note: "Note eller kundenummer (valgfrit)", send: "Ring mig op", cancel: "Annuller",
      today: "I dag", tomorrow: "I morgen", done: "Tak. Vi ringer til dig på {phone}, {when}.",
      badPhone: "Skriv dit nummer med landekode, f.eks. +45 20 12 34 56.",
      badWindow: "Det tidspunkt er ikke længere muligt. Vælg et andet.",
      limited: "For mange forespørgsler, vent et øjeblik.", failed: "Det lykkedes ikke. Prøv igen." },
    sv: { offer: "Ring upp mig i stället", title: "Vi ringer upp dig", phone: "Telefonnummer",
      window: "När", note: "Anteckning eller kundnummer (valfritt)", send: "Ring upp mig", cancel: "Avbryt",
      today: "I dag", tomorrow: "I morgon", done: "Tack. Vi ringer dig på {phone}, {when}.",
      badPhone: "Skriv ditt nummer med landsnummer, t.ex. +46 70 123 45 67.",
      badWindow: "Den tiden är inte längre ledig. Välj en annan.",
      limited: "För många förfrågningar, vänta en stund.", failed: "Det gick inte. Försök igen." },
    nb: { offer: "Ring meg opp i stedet", title: "Vi ringer deg opp", phone: "Telefonnummer",
      window: "Når", note: "Notat eller kundenummer (valgfritt)", send: "Ring meg opp", cancel: "Avbryt",
      today: "I dag", tomorrow: "I morgen", done: "Takk. Vi ringer deg på {phone}, {when}.",
      badPhone: "Skriv nummeret ditt med landskode, f.eks. +47 912 34 567.",
      badWindow: "Det tidspunktet er ikke lenger ledig. Velg et annet.",
      limited: "For mange forespørsler, vent litt.", failed: "Det gikk ikke. Prøv igjen." },
    nl: { offer: "Bel me liever terug", title: "We bellen je terug", phone: "Telefoonnummer",
      window: "Wanneer", note: "Opmerking of klantnummer (optioneel)", send: "Bel me terug", cancel: "Annuleren",
      today: "Vandaag", tomorrow: "Morgen", done: "Bedankt. We bellen je op {phone}, {when}.",
      badPhone: "Vul je nummer in met landcode, bijv. +31 6 12345678.",
      badWindow: "Dat tijdstip is niet meer beschikbaar. Kies een ander.",
      limited: "Te veel verzoeken, wacht even.", failed: "Dat lukte niet. Probeer het opnieuw." },
    fr: { offer: "Rappelez-moi plutôt", title: "Nous vous rappelons", phone: "Numéro de téléphone",
      window: "Quand", note: "Remarque ou numéro client (facultatif)", send: "Rappelez-moi", cancel: "Annuler",
      today: "Aujourd’hui", tomorrow: "Demain", done: "Merci. Nous vous appellerons au {phone}, {when}.",
      badPhone: "Indiquez votre numéro avec l’indicatif du pays, par ex. +33 6 12 34 56 78.",
      badWindow: "Ce créneau n’est plus disponible. Choisissez-en un autre.",
      limited: "Trop de demandes, patientez un instant.", failed: "Cela n’a pas marché. Réessayez." }
  };
  function pickLang() {
    var nav = (navigator.language || "").slice(0, 2).toLowerCase();
    if (nav === "no" || nav === "nn") nav = "nb";
    return [ds.lang, nav, ds.defaultLang, "en"].filter(function (l) { return T[l]; })[0];
  }
  var lang = pickLang(), t = T[lang];
  var S = { phone: null, offer: null, open: false, done: false };

  function token() {
    try { return localStorage.getItem("parley." + CHANNEL + ".token"); } catch (e) { return null; }
  }
  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined && text !== null) n.textContent = text;
    return n;
  }
  function api(method, body) {
    var headers = { Authorization: "Bearer " + token() };
    if (body) headers["Content-Type"] = "application/json";
    return fetch("/widget/v1/callback", { method: method, headers: headers, body: body && JSON.stringify(body) })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) {
          if (r.ok) return j;
          var e = new Error((j.error && j.error.message) || String(r.status));
          e.status = r.status;
          e.code = j.error && j.error.code;
          throw e;
        });
      });
  }

  function dayWord(d) {
    var today = new Date(), tomorrow = new Date();
    tomorrow.setDate(today.getDate() + 1);
    if (d.toDateString() === today.toDateString()) return t.today;
    if (d.toDateString() === tomorrow.toDateString()) return t.tomorrow;
    return new Intl.DateTimeFormat(lang, { weekday: "long", day: "numeric", month: "short" }).format(d);
  }
  function label(w, inSentence) {
    var a = new Date(w.from), b = new Date(w.until);
    var hm = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" });
    var day = inSentence ? dayWord(a).toLowerCase() : dayWord(a);
    return day + " " + hm.format(a) + "–" + hm.format(b);
  }

  var root = document.getElementById("parley-chat");
  var bar = el("div", "cb-bar");
  bar.id = "parley-callback";
  bar.hidden = true;
  var openBtn = el("button", "cb-open", t.offer);
  openBtn.type = "button";
  openBtn.setAttribute("aria-expanded", "false");
  var panel = el("form", "cb-panel");
  panel.hidden = true;
  bar.append(openBtn, panel);
  var head = root && root.querySelector(".head");
  if (head && head.nextSibling) root.insertBefore(bar, head.nextSibling); else if (root) root.prepend(bar);

  function field(labelText, input) {
    var l = el("label", null, labelText);
    l.appendChild(input);
    return l;
  }
  function buildForm() {
    panel.textContent = "";
    panel.appendChild(el("h2", "cb-title", t.title));
    var phone = el("input");
    phone.type = "tel";
    phone.name = "phone";
    phone.required = true;
    phone.autocomplete = "tel";
    phone.value = S.phone || S.offer.phone || "";
    var when = el("select");
    when.name = "window";
    S.offer.windows.forEach(function (w, i) {
      var o = el("option", null, label(w));
      o.value = String(i);
      when.appendChild(o);
    });
    var note = el("input");
    note.name = "note";
    note.maxLength = 500;
    var error = el("p", "cb-error");
    error.setAttribute("role", "alert");
    var send = el("button", "cb-send", t.send);
    send.type = "submit";
    var cancel = el("button", "cb-cancel", t.cancel);
    cancel.type = "button";
    cancel.addEventListener("click", function () { toggle(false); });
    var actions = el("div", "cb-actions");
    actions.append(send, cancel);
    panel.append(field(t.phone, phone), field(t.window, when), field(t.note, note), error, actions);
    panel.onsubmit = function (e) {
      e.preventDefault();
      var w = S.offer.windows[Number(when.value)];
      send.disabled = true;
      error.textContent = "";
      api("POST", { phone: phone.value.trim(), window: w, note: note.value.trim() }).then(function (j) {
        S.done = true;
        panel.textContent = "";
        var p = el("p", "cb-done", t.done.replace("{phone}", j.phone).replace("{when}", label(j.window, true)));
        p.setAttribute("role", "status");
        panel.appendChild(p);
        openBtn.hidden = true;
      }).catch(function (err) {
        send.disabled = false;
        error.textContent = err.code === "invalid_phone" ? t.badPhone :
          /^window_|invalid_window/.test(err.code || "") ? t.badWindow :
          err.status === 429 ? t.limited : t.failed;
      });
    };
    phone.focus();
  }
  function toggle(on) {
    S.open = on;
    panel.hidden = !on;
    openBtn.setAttribute("aria-expanded", String(on));
    if (on) buildForm(); else openBtn.focus();
  }
  openBtn.addEventListener("click", function () { toggle(!S.open); });

  function refresh() {
    if (S.done) return;
    if (!token()) { setTimeout(refresh, 1000); return; }
    api("GET").then(function (j) {
      S.offer = j;
      bar.hidden = !(j.available && j.windows.length);
      if (bar.hidden && S.open) toggle(false);
    }).catch(function () { /* the chat shows its own errors */ });
    setTimeout(refresh, 60000);
  }

  window.addEventListener("message", function (e) {
    if (e.origin !== ORIGIN || e.source !== window.parent || !e.data) return;
    if (e.data.parley === "init" && e.data.identity && e.data.identity.phone) S.phone = e.data.identity.phone;
  });
  refresh();
})();
