/* Parley inbox: selecting conversations in the list for a bulk action. The selection is
   kept here (not in the rows, which the live list re-renders), checked again after each
   refresh, and sent as "ids" with the bulk form. x (keys.js) toggles the row in focus. */
(function () {
  "use strict";

  var selected = new Set();
  var anchor = null;  // the row last picked: shift+click (or X) picks every row from it

  function bar() { return document.getElementById("bulk"); }

  function show() {
    var form = bar();
    if (!form) return;
    var n = selected.size;
    form.hidden = n === 0;
    var count = document.getElementById("bulk-count");
    if (count) count.textContent = (n === 1 ? form.dataset.one : form.dataset.many).replace("{n}", String(n));
    document.getElementById("bulk-ids").value = Array.from(selected).join(",");
    document.querySelectorAll("#list-pane .conv").forEach(function (row) {
      var box = row.querySelector(".conv-pick");
      var on = selected.has(row.dataset.id);
      if (box) box.checked = on;
      row.classList.toggle("picked", on);
    });
  }

  function toggle(id, on) {
    if (on === undefined) on = !selected.has(id);
    if (on) selected.add(id); else selected.delete(id);
    anchor = id;
    show();
  }

  // Every row between the last one picked and this one takes this one's state.
  function range(id, on) {
    var ids = Array.from(document.querySelectorAll("#list-pane .conv")).map(function (r) { return r.dataset.id; });
    var from = ids.indexOf(anchor), to = ids.indexOf(id);
    if (from < 0 || to < 0) { toggle(id, on); return; }
    ids.slice(Math.min(from, to), Math.max(from, to) + 1).forEach(function (x) {
      if (on) selected.add(x); else selected.delete(x);
    });
    anchor = id;
    show();
  }

  function clear() { selected.clear(); show(); }

  var shifted = false;
  document.addEventListener("click", function (evt) {
    if (evt.target.classList && evt.target.classList.contains("conv-pick")) shifted = evt.shiftKey;
  }, true);
  document.addEventListener("change", function (evt) {
    if (!(evt.target.classList && evt.target.classList.contains("conv-pick"))) return;
    if (shifted) range(evt.target.value, evt.target.checked); else toggle(evt.target.value, evt.target.checked);
    shifted = false;
  });
  document.addEventListener("click", function (evt) {
    if (evt.target.id === "bulk-clear") { clear(); var first = document.querySelector("#list-pane .conv a"); if (first) first.focus(); }
  });
  document.addEventListener("htmx:afterSettle", show);
  document.addEventListener("DOMContentLoaded", show);
  // The hub answered: the toast says what changed; the list shows it, the selection is done.
  document.addEventListener("bulk-done", function () {
    clear();
    var rows = document.getElementById("rows");
    if (rows && window.htmx) htmx.trigger(rows, "page-changed");
  });

  window.ParleyBulk = {
    toggle: toggle, clear: clear,
    range: function (id) { range(id, true); },
    size: function () { return selected.size; }
  };
})();
