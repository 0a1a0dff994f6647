/* Parley inbox: the few behaviours htmx attributes do not cover.
   - catch up after a dropped live connection (refetch every live fragment);
   - composer: Ctrl+Enter sends, SMS segment count, "/" canned answers;
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
    }
    opens += 1;
    if (opens > 1) resyncAll(); // a reconnect: whatever happened meanwhile is refetched
  });

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
    out.textContent = s.count + " SMS segment" + (s.count === 1 ? "" : "s") + " (" + s.encoding + ")";
  }

  /* ---------------------------------------------------------------- canned answers */
  function insertCanned(button) {
    var textarea = document.getElementById("reply-text");
    if (!textarea) return;
    textarea.value = textarea.value.replace(/(^|\s)\/[\w-]*$/, "$1") + button.dataset.text;
    document.getElementById("canned").innerHTML = "";
    textarea.focus();
    updateSegments(textarea);
  }

  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest(".suggestion");
    if (button) insertCanned(button);
  });

  document.addEventListener("keydown", function (evt) {
    var el = evt.target;
    if (el.id === "reply-text") {
      if (evt.key === "Enter" && (evt.ctrlKey || evt.metaKey)) {
        evt.preventDefault();
        el.form.requestSubmit();
      } else if (evt.key === "ArrowDown") {
        var first = document.querySelector("#canned .suggestion");
        if (first) { evt.preventDefault(); first.focus(); }
      } else if (evt.key === "Escape") {
        document.getElementById("canned").innerHTML = "";
      }
    } else if (el.classList && el.classList.contains("suggestion")) {
      if (evt.key === "ArrowDown" && el.nextElementSibling) { evt.preventDefault(); el.nextElementSibling.focus(); }
      if (evt.key === "ArrowUp") {
        evt.preventDefault();
        (el.previousElementSibling || document.getElementById("reply-text")).focus();
      }
      if (evt.key === "Escape") { document.getElementById("canned").innerHTML = ""; document.getElementById("reply-text").focus(); }
    }
  });

  document.addEventListener("input", function (evt) {
    if (evt.target.id === "reply-text") updateSegments(evt.target);
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

  document.addEventListener("DOMContentLoaded", function () { settle(document); });
  document.addEventListener("htmx:afterSettle", function (evt) { settle(evt.detail.elt || document); });

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var alert = document.getElementById("alert");
    if (alert && evt.detail.target && evt.detail.target.id !== "alert") alert.textContent = "";
  });
  document.addEventListener("htmx:sendError", function () {
    var alert = document.getElementById("alert");
    if (alert) alert.textContent = "The hub cannot be reached. Your last action was not saved.";
  });
})();
