/* Parley inbox keyboard: the whole shift without a mouse. Keys act only when focus is not in a
   text field (Escape leaves one). "?" shows them all. */
(function () {
  "use strict";

  function typing(el) {
    if (el && el.classList && el.classList.contains("conv-pick")) return false;  // a row's checkbox
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function rows() { return Array.from(document.querySelectorAll("#list-pane .conv")); }
  function current() {
    var list = rows();
    var focused = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("#list-pane .conv") : null;
    if (focused) return list.indexOf(focused);
    var kbd = list.findIndex(function (r) { return r.classList.contains("kbd"); });
    if (kbd >= 0) return kbd;
    return list.findIndex(function (r) { return r.classList.contains("selected"); });
  }
  function focusRow(index) {
    var list = rows();
    if (!list.length) return;
    index = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (r) { r.classList.remove("kbd"); });
    list[index].classList.add("kbd");
    var link = list[index].querySelector("a");
    link.focus({ preventScroll: true });
    list[index].scrollIntoView({ block: "nearest" });
  }
  function open(index) {
    var list = rows();
    var row = list[index < 0 ? 0 : index];
    if (row) row.querySelector("a").click();
  }
  function submit(selector) {
    var form = document.querySelector(selector);
    if (form) { (form.requestSubmit ? form.requestSubmit() : form.submit()); return true; }
    return false;
  }
  function press(selector) {
    var button = document.querySelector(selector);
    if (button) { button.focus(); button.click(); return true; }
    return false;
  }
  function compose(kind) {
    var radio = document.getElementById(kind === "note" ? "kind-note" : "kind-reply");
    var text = document.getElementById("reply-text");
    if (radio) radio.checked = true;
    if (text) { text.focus(); return true; }
    return false;
  }
  function overlay(show) {
    var dialog = document.getElementById("keys-help");
    if (!dialog) return;
    if (show && !dialog.open) dialog.showModal();
    if (!show && dialog.open) dialog.close();
  }

  var ACTIONS = {
    "j": function () { focusRow(current() + 1); },
    "ArrowDown": function () { focusRow(current() + 1); },
    "k": function () { focusRow(current() - 1); },
    "ArrowUp": function () { focusRow(current() - 1); },
    "o": function () { open(current()); },
    "r": function () { return compose("reply"); },
    "n": function () { return compose("note"); },
    "a": function () { return submit("form.assign-me"); },
    "e": function () { return submit("form.resolve"); },
    "s": function () { var b = document.querySelector(".presets button"); if (b) { b.focus(); return true; } return false; },
    "g": function () { return press("[data-assist-suggest]"); },
    "m": function () { return press("#assist-summarize"); },
    "/": function () { var q = document.getElementById("q"); if (q) { q.focus(); q.select(); return true; } return false; },
    "?": function () { overlay(true); },
    "x": function () {
      var row = rows()[current()];
      if (!row || !window.ParleyBulk) return false;
      window.ParleyBulk.toggle(row.dataset.id);
      return true;
    },
    "X": function () {
      var row = rows()[current()];
      if (!row || !window.ParleyBulk) return false;
      window.ParleyBulk.range(row.dataset.id);
      return true;
    },
    "]": function () { focusRow(current() + 1); open(current()); },
    "[": function () { focusRow(current() - 1); open(current()); }
  };

  document.addEventListener("keydown", function (evt) {
    if (evt.ctrlKey || evt.metaKey || evt.altKey) return;
    var el = evt.target;
    if (evt.key === "Escape") {
      overlay(false);
      if (typing(el)) { el.blur(); var i = current(); if (i >= 0) focusRow(i); }
      return;
    }
    if (typing(el)) return;
    if (evt.key === "Enter" && el.closest && el.closest("#list-pane .conv")) return; // the link opens itself
    var action = ACTIONS[evt.key];
    if (!action) return;
    evt.preventDefault();
    action();
  });

  // After a conversation opens from the keyboard, the reply box is one key (r) away; the
  // list keeps the keyboard mark so j/k continue from there.
  document.addEventListener("click", function (evt) {
    var row = evt.target.closest && evt.target.closest("#list-pane .conv");
    if (!row) return;
    rows().forEach(function (r) { r.classList.toggle("kbd", r === row); });
  });
})();
