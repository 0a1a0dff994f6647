/* Parley admin: the side nav starts folded at phone width (it is a <details> menu there). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var nav = document.querySelector(".admin-nav");
    if (nav && window.matchMedia("(max-width: 860px)").matches) nav.removeAttribute("open");
  });
})();
