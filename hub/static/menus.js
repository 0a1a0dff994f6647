/* Parley menus: at phone width the main nav and the admin side nav fold behind a button
   (CSS hides them while aria-expanded is false, so nothing moves after the first paint).
   The button opens and closes its menu; Escape closes it and gives the focus back. */
(function () {
  "use strict";

  function target(button) { return document.getElementById(button.getAttribute("aria-controls")); }

  function set(button, open) { button.setAttribute("aria-expanded", open ? "true" : "false"); }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-menu]");
    if (!button) return;
    var open = button.getAttribute("aria-expanded") !== "true";
    set(button, open);
    var menu = target(button);
    var first = open && menu && menu.querySelector("a");
    if (first) first.focus();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("button[data-menu][aria-expanded=true]").forEach(function (button) {
      var menu = target(button);
      if (menu && menu.contains(document.activeElement)) {
        set(button, false);
        button.focus();
      }
    });
  });
})();
