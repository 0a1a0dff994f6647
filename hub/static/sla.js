/* Parley SLA timers and breach alerts (CSP-safe: no inline code).
   - every .sla-timer counts down from its data-due (ISO time), amber once data-risk has
     passed (80% of the target used), red once due; data-now is the server's time at
     render, so a browser clock that is off does not shift the timer;
   - an "sla-breach" server-sent event (only sent to the assignee and supervisors) shows
     an alert in the page's #alert area. */
(function () {
  "use strict";

  var skew = null; // server time minus browser time, from the first timer rendered

  // The words come from the page (data-words, in the reader's language, see
  // hub/web/sla_display.py); English when a timer has none.
  var ENGLISH = { dh: "%(d)sd %(h)sh", hm: "%(h)sh %(m)sm", m: "%(m)sm", lt: "<1m",
                  left: ["%(time)s left", "%(time)s left"], overdue: ["%(time)s overdue", "%(time)s overdue"] };

  function fill(format, values) {
    return format.replace(/%\((\w+)\)s/g, function (_, key) { return String(values[key]); });
  }

  function remaining(seconds, words) {
    var overdue = seconds < 0;
    var s = Math.floor(Math.abs(seconds));
    var v = { d: Math.floor(s / 86400), h: Math.floor((s % 86400) / 3600), m: Math.floor((s % 3600) / 60) };
    var text = fill(v.d ? words.dh : v.h ? words.hm : v.m ? words.m : words.lt, v);
    var count = v.d || v.h || v.m;
    var lang = document.documentElement.lang || "en";
    var one = new Intl.PluralRules(lang).select(count) === "one" ? 0 : 1;
    return fill((overdue ? words.overdue : words.left)[one], { time: text });
  }

  function wordsOf(el) {
    if (!el._words) {
      try { el._words = JSON.parse(el.dataset.words || "null") || ENGLISH; } catch (e) { el._words = ENGLISH; }
    }
    return el._words;
  }

  function update(el) {
    var due = Date.parse(el.dataset.due);
    if (isNaN(due)) return;
    if (el.dataset.now && !el.dataset.skew) {
      el.dataset.skew = String(Date.parse(el.dataset.now) - Date.now());
    }
    var now = Date.now() + Number(el.dataset.skew || skew || 0);
    var risk = el.dataset.risk ? Date.parse(el.dataset.risk) : NaN;
    var state = now >= due ? "breached" : (!isNaN(risk) && now >= risk ? "risk" : "ok");
    el.classList.remove("sla-ok", "sla-risk", "sla-breached");
    el.classList.add("sla-" + state);
    var text = el.querySelector(".sla-text");
    if (text) text.textContent = remaining((due - now) / 1000, wordsOf(el));
  }

  function updateAll() {
    document.querySelectorAll(".sla-timer[data-due]").forEach(update);
  }
  setInterval(updateAll, 1000);
  document.addEventListener("DOMContentLoaded", updateAll);
  document.addEventListener("htmx:afterSettle", updateAll);

  /* ---------------------------------------------------------------- breach alerts */
  // The sentences come from the page's #parley-words block (hub/web/js_words.py), in the
  // reader's language; English when a page has none.
  var SAID = {
    slaBreached: "SLA breached: %(target)s of %(conversation)s", slaTarget: "a target",
    slaKinds: { first_response: "First response", next_response: "Next response", resolution: "Resolution" },
    aConversation: "A conversation", dismiss: "Dismiss"
  };
  var said = null;
  function say(key) {
    if (!said) {
      var block = document.getElementById("parley-words");
      try { said = JSON.parse(block ? block.textContent : "{}") || {}; } catch (e) { said = {}; }
    }
    return said[key] || SAID[key];
  }
  var seen = new WeakSet();

  function alertBreach(evt) {
    var data;
    try { data = JSON.parse(evt.data); } catch (e) { return; }
    var box = document.getElementById("sla-alert");
    if (!box) {
      // Its own area: the page's #alert is cleared after every htmx request.
      box = document.createElement("div");
      box.id = "sla-alert";
      box.className = "alert sla-alert";
      box.setAttribute("role", "alert");
      var main = document.getElementById("main");
      if (!main) return;
      main.parentNode.insertBefore(box, main);
    }
    box.textContent = "";
    var link = document.createElement("a");
    link.href = "/inbox/c/" + encodeURIComponent(data.conversation_id);
    link.textContent = (data.contact || say("aConversation"));
    var target = say("slaKinds")[data.kind] || say("slaTarget");
    // The sentence around the link: "SLA breached: <target> of <link>", in any word order.
    var parts = fill(say("slaBreached"), { target: target, conversation: "\u0000" }).split("\u0000");
    box.appendChild(document.createTextNode(parts[0]));
    box.appendChild(link);
    if (parts[1]) box.appendChild(document.createTextNode(parts[1]));
    var close = document.createElement("button");
    close.type = "button";
    close.className = "link";
    close.textContent = say("dismiss");
    close.addEventListener("click", function () { box.textContent = ""; });
    box.appendChild(document.createTextNode(" "));
    box.appendChild(close);
  }

  document.addEventListener("htmx:sseOpen", function (evt) {
    var source = evt.detail && evt.detail.source;
    if (source && !seen.has(source)) {
      seen.add(source);
      source.addEventListener("sla-breach", alertBreach);
    }
  });
})();
