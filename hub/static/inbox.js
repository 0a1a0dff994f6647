/* Parley inbox: the few behaviours htmx attributes do not cover.
   - catch up after a dropped live connection (refetch every live fragment);
   - composer: Ctrl+Enter sends, SMS segment count, "/" canned answers, drafts kept;
   - snooze times in the browser's zone; threads scrolled to the newest message. */
(function () {
  "use strict";

  var seenSources = new WeakSet();
  var opens = 0;

  function resyncAll() {
    document.querySelectorAll("[hx-trigger*='inbox:resync']").forEach(function (el) {
      htmx.trigger(el, "inbox:resync");
    });
  }

  document.addEventListener("htmx:sseOpen", function (evt) {
    var source = evt.detail && evt.detail.source;
    if (source && !seenSources.has(source)) {
      seenSources.add(source);
      source.addEventListener("resync", resyncAll);
      source.addEventListener("notice", showNotice);
      source.addEventListener("typing", showTyping);
      source.addEventListener("signed-out", function () {
        source.close();
        window.location.assign("/login?ended=1");
      });
    }
    opens += 1;
    if (opens > 1) resyncAll(); // a reconnect: whatever happened meanwhile is refetched
  });

  /* ---------------------------------------------------------------- supervising */
  // A whisper or a take-over addressed to me: said at once, and kept until the next one
  // (the alert area is cleared by every request; this one is not).
  function showNotice(evt) {
    var data = JSON.parse(evt.data || "{}");
    var notice = document.getElementById("notice");
    if (notice) notice.textContent = data.text || "";
  }

  function me() {
    var who = document.querySelector("[data-me]");
    return who ? who.dataset.me : "";
  }

  // Sentences in the reader's language, from the page's #parley-words block
  // (hub/web/js_words.py); English when a page has none.
  var SAID = {
    typing: "%(name)s is typing…", theCustomer: "The customer", theAgent: "The agent",
    segments: ["%(count)s SMS segment (%(encoding)s)", "%(count)s SMS segments (%(encoding)s)"],
    unreachable: "The hub cannot be reached. Your last action was not saved."
  };
  var said = null;
  function say(key, values, count) {
    if (!said) {
      var block = document.getElementById("parley-words");
      try { said = JSON.parse(block ? block.textContent : "{}") || {}; } catch (e) { said = {}; }
    }
    var text = said[key] || SAID[key];
    if (Array.isArray(text)) {
      var lang = document.documentElement.lang || "en";
      text = text[new Intl.PluralRules(lang).select(count) === "one" ? 0 : 1];
    }
    return text.replace(/%\((\w+)\)s/g, function (_, name) { return String((values || {})[name]); });
  }

  var typingTimer = null;
  // Someone else composing in the conversation on screen: "Agnes is typing…" for 8 s.
  function showTyping(evt) {
    var data = JSON.parse(evt.data || "{}");
    var page = document.querySelector("[data-conversation]");
    var out = document.getElementById("typing");
    if (!page || !out || page.dataset.conversation !== data.conversation_id) return;
    if (data.user_id && data.user_id === me()) return;
    clearTimeout(typingTimer);
    if (!data.typing) { out.hidden = true; return; }
    out.textContent = say("typing", { name: data.name || say(data.side === "visitor" ? "theCustomer" : "theAgent") });
    out.hidden = false;
    typingTimer = setTimeout(function () { out.hidden = true; }, 8000);
  }

  var lastTypingPost = 0;
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; }
    catch (e) { return ""; }
  }
  // My composer posts a typing signal at most every 3 s while I write a reply (not a note).
  function postTyping(textarea) {
    var form = textarea.form;
    var kind = form && form.querySelector("input[name=kind]:checked");
    var page = document.querySelector("[data-conversation]");
    if (!page || (kind && kind.value !== "reply") || Date.now() - lastTypingPost < 3000) return;
    lastTypingPost = Date.now();
    fetch("/inbox/c/" + page.dataset.conversation + "/typing", {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
      body: "typing=true"
    });
  }

  /* ---------------------------------------------------------------- SMS segments */
  var GSM7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var GSM7_EXT = "^{}\\[~]|€\f";

  function segments(text) {
    var gsm = true, units = 0;
    for (var ch of text) {
      if (GSM7.indexOf(ch) >= 0) units += 1;
      else if (GSM7_EXT.indexOf(ch) >= 0) units += 2;
      else { gsm = false; break; }
    }
    if (!gsm) {
      units = 0;
      for (var c of text) units += c.codePointAt(0) > 0xffff ? 2 : 1;
    }
    var single = gsm ? 160 : 70, multi = gsm ? 153 : 67;
    var count = units === 0 ? 0 : units <= single ? 1 : Math.ceil(units / multi);
    return { count: count, encoding: gsm ? "GSM-7" : "UCS-2" };
  }

  function updateSegments(textarea) {
    var out = document.getElementById("segments");
    if (!out) return;
    if (!textarea.value) { out.textContent = ""; return; }  // an empty composer says nothing
    var s = segments(textarea.value);
    out.textContent = say("segments", { count: s.count, encoding: s.encoding }, s.count);
  }

  /* ---------------------------------------------------------------- canned answers */
  // The pop-up is a listbox owned by the textarea: focus stays in the text, the first match
  // is highlighted, ↑/↓ move the highlight, Enter or Tab insert it, Escape closes. Ctrl+Enter
  // with the pop-up open inserts the highlighted answer instead of sending "/ho"; a reply sent
  // before the pop-up appeared is refused by the hub with a hint (see hub/inbox/composer.py).
  function cannedBox() { return document.getElementById("canned"); }
  function options() {
    var box = cannedBox();
    return box ? Array.from(box.querySelectorAll(".suggestion")) : [];
  }
  function activeOption() {
    return options().find(function (o) { return o.classList.contains("active"); }) || null;
  }
  function highlight(option) {
    var textarea = document.getElementById("reply-text");
    options().forEach(function (o) {
      var on = o === option;
      o.classList.toggle("active", on);
      o.setAttribute("aria-selected", on ? "true" : "false");
    });
    if (textarea) {
      if (option) textarea.setAttribute("aria-activedescendant", option.id);
      else textarea.removeAttribute("aria-activedescendant");
    }
    if (option) option.scrollIntoView({ block: "nearest" });
  }
  function closeCanned() {
    var box = cannedBox();
    if (box) box.innerHTML = "";
    cannedOpened();
  }
  // Called after each change of the pop-up: the textarea says whether it is open.
  function cannedOpened() {
    var textarea = document.getElementById("reply-text");
    var help = document.getElementById("canned-help");
    var open = options().length > 0;
    if (textarea) textarea.setAttribute("aria-expanded", open ? "true" : "false");
    if (help) help.hidden = !open;
    highlight(open ? (activeOption() || options()[0]) : null);
  }
  function insertCanned(option) {
    var textarea = document.getElementById("reply-text");
    if (!textarea || !option) return;
    textarea.value = textarea.value.replace(/(^|\s)\/[\w-]*$/, "$1") + option.dataset.text;
    closeCanned();
    textarea.focus();
    textarea.setSelectionRange(textarea.value.length, textarea.value.length);
    updateSegments(textarea);
    saveDraft(textarea);
  }

  document.addEventListener("click", function (evt) {
    var option = evt.target.closest && evt.target.closest(".suggestion");
    if (option) insertCanned(option);
  });

  // Capture phase: these keys are the pop-up's before the page's shortcuts (keys.js) see them.
  document.addEventListener("keydown", function (evt) {
    var el = evt.target;
    if (el.id !== "reply-text") return;
    var list = options();
    var active = activeOption();
    var open = list.length > 0;
    var handled = true;
    if (evt.key === "Enter" && (evt.ctrlKey || evt.metaKey)) {
      if (open && active) insertCanned(active);
      else el.form.requestSubmit();
    } else if (!open) {
      handled = false;
    } else if (evt.key === "ArrowDown" || evt.key === "ArrowUp") {
      var at = list.indexOf(active);
      var next = evt.key === "ArrowDown" ? at + 1 : at - 1;
      highlight(list[(next + list.length) % list.length]);
    } else if ((evt.key === "Enter" || evt.key === "Tab") && !evt.shiftKey && !evt.altKey) {
      insertCanned(active || list[0]);
    } else if (evt.key === "Escape") {
      closeCanned();
    } else {
      handled = false;
    }
    if (handled) { evt.preventDefault(); evt.stopPropagation(); }
  }, true);

  document.addEventListener("htmx:afterSwap", function (evt) {
    if (evt.detail.target && evt.detail.target.id === "canned") cannedOpened();
  });

  /* ---------------------------------------------------------------- drafts */
  // What an agent types is kept in this browser per account and conversation
  // (localStorage "parley:draft:<account>:<conversation>"), restored on the next visit and
  // forgotten once the hub accepted the message.
  function draftKey(textarea) {
    return textarea && textarea.dataset.draftKey ? "parley:draft:" + textarea.dataset.draftKey : "";
  }
  function saveDraft(textarea) {
    var key = draftKey(textarea);
    if (!key) return;
    try {
      if (textarea.value.trim()) localStorage.setItem(key, textarea.value);
      else localStorage.removeItem(key);
    } catch (e) { /* storage full or refused: the draft lives only in the page */ }
  }
  function restoreDraft(root) {
    var textarea = document.getElementById("reply-text");
    if (!textarea || !(root === document || root.contains(textarea))) return;
    var key = draftKey(textarea);
    var kept = null;
    try { kept = key ? localStorage.getItem(key) : null; } catch (e) { kept = null; }
    if (!kept || textarea.value) return;  // text given back by the hub (a refusal) wins
    textarea.value = kept;
    updateSegments(textarea);
    var note = document.getElementById("draft-note");
    if (note) note.hidden = false;
  }
  var sendingDraft = "";
  // What was sent, to tell it from what the agent went on to write while the hub answered:
  // the composer the hub sends back after an accepted message must not swallow that.
  var sent = null, carried = null;
  function checkedKind() {
    var radio = document.querySelector("#composer input[name=kind]:checked");
    return radio ? radio.value : "";
  }
  document.addEventListener("htmx:beforeRequest", function (evt) {
    if (evt.detail.elt && evt.detail.elt.id === "composer") {
      var textarea = document.getElementById("reply-text");
      sendingDraft = draftKey(textarea);
      sent = { text: textarea ? textarea.value : "", kind: checkedKind() };
    }
  });
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var status = evt.detail.xhr ? evt.detail.xhr.status : 0;
    var composer = evt.detail.target && evt.detail.target.id === "composer";
    if (composer && sendingDraft && status >= 200 && status < 300) {
      try { localStorage.removeItem(sendingDraft); } catch (e) { /* nothing kept */ }
    }
    if (composer && sent && status >= 200 && status < 300) {
      var textarea = document.getElementById("reply-text");
      var now = textarea ? textarea.value : "";
      var kind = checkedKind();
      if (now !== sent.text || kind !== sent.kind) {
        carried = {
          text: now.indexOf(sent.text) === 0 ? now.slice(sent.text.length) : now,
          kind: kind,
          focused: document.activeElement === textarea,
        };
      }
    }
    if (composer) { sendingDraft = ""; sent = null; }
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!carried) return;
    var keep = carried;
    carried = null;
    var textarea = document.getElementById("reply-text");
    var radio = document.querySelector('#composer input[name=kind][value="' + keep.kind + '"]');
    if (radio) radio.checked = true;
    if (!textarea) return;
    if (keep.text && !textarea.value) { textarea.value = keep.text; updateSegments(textarea); saveDraft(textarea); }
    if (keep.focused) textarea.focus();
  });

  document.addEventListener("input", function (evt) {
    if (evt.target.id === "reply-text") {
      updateSegments(evt.target); postTyping(evt.target); saveDraft(evt.target);
    }
  });

  /* ---------------------------------------------------------------- list paging */
  // Capture phase: the cursor is cleared before htmx reads the form for the refresh.
  function clearCursor(evt) {
    var form = evt.target.form;
    if (form && form.id === "filters" && evt.target.id !== "cursor") form.elements.cursor.value = "";
  }
  document.addEventListener("change", clearCursor, true);
  document.addEventListener("input", clearCursor, true);

  document.addEventListener("click", function (evt) {
    var link = evt.target.closest && evt.target.closest(".pager a[data-cursor]");
    var cursor = document.getElementById("cursor");
    if (!link || !cursor) return;
    evt.preventDefault();
    cursor.value = link.dataset.cursor;
    htmx.trigger(document.getElementById("rows"), "page-changed");
  });

  /* ---------------------------------------------------------------- page state */
  function settle(root) {
    root.querySelectorAll(".tz-offset").forEach(function (input) {
      input.value = String(new Date().getTimezoneOffset());
    });
    var thread = document.getElementById("messages");
    if (thread && (root === document || root.contains(thread) || root === thread)) {
      thread.scrollTop = thread.scrollHeight;
    }
  }

  document.addEventListener("DOMContentLoaded", function () { settle(document); restoreDraft(document); });
  document.addEventListener("htmx:afterSettle", function (evt) {
    settle(evt.detail.elt || document); restoreDraft(evt.detail.elt || document);
  });

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var alert = document.getElementById("alert");
    if (alert && evt.detail.target && evt.detail.target.id !== "alert") alert.textContent = "";
  });
  document.addEventListener("htmx:sendError", function () {
    var alert = document.getElementById("alert");
    if (alert) alert.textContent = say("unreachable");
  });
})();
