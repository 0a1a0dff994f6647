/* Parley inbox: selecting conversations in the list for a bulk action. The selection is
   kept here (not in the rows, which the live list re-renders), checked again after each
   refresh, and sent as "ids" with the bulk form. x (keys.js) toggles the row in focus. */
(function () {
  "use strict";

  var selected = new Set();

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
    show();
  }

  function clear() { selected.clear(); show(); }

  document.addEventListener("change", function (evt) {
    if (evt.target.classList && evt.target.classList.contains("conv-pick")) toggle(evt.target.value, evt.target.checked);
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

  window.ParleyBulk = { toggle: toggle, clear: clear, size: function () { return selected.size; } };
})();
