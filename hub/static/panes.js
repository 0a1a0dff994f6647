/* Parley inbox panes: the list stays while conversations open beside it (htmx swaps #pane and
   pushes the URL), so its scroll position and filters are kept. The open conversation's row
   is marked; at phone width one pane shows at a time (.has-conversation). */
(function () {
  "use strict";

  function panes() { return document.getElementById("panes"); }

  function fit() {
    var el = panes();
    if (el) document.documentElement.style.setProperty("--top", Math.ceil(el.getBoundingClientRect().top + window.scrollY) + "px");
  }

  function openId() {
    var page = document.querySelector("#pane [data-conversation]");
    return page ? page.dataset.conversation : null;
  }

  function mark() {
    var id = openId(), el = panes();
    if (el) el.classList.toggle("has-conversation", !!id);
    document.querySelectorAll("#list-pane .conv").forEach(function (row) {
      var on = row.dataset.id === id;
      row.classList.toggle("selected", on);
      var link = row.querySelector("a");
      if (link) { if (on) link.setAttribute("aria-current", "true"); else link.removeAttribute("aria-current"); }
    });
  }

  // The list refreshes itself (filters, live events); only on the list page does the address
  // follow its filters, so an open conversation keeps its own URL.
  document.addEventListener("htmx:afterRequest", function (evt) {
    var elt = evt.detail.elt;
    if (!elt || elt.id !== "rows" || window.location.pathname !== "/inbox") return;
    var form = document.getElementById("filters");
    if (!form) return;
    var params = new URLSearchParams(new FormData(form));
    Array.from(params.keys()).forEach(function (k) { if (!params.get(k)) params.delete(k); });
    var query = params.toString();
    history.replaceState(history.state, "", "/inbox" + (query ? "?" + query : ""));
  });

  // The address follows the open conversation however it was opened (a click, Enter on a
  // row after j/k, o, ] or [): htmx pushes it for the row's link; this makes sure of it.
  function follow(evt) {
    var target = evt.detail && evt.detail.target;
    var id = openId();
    if (!target || target.id !== "pane" || !id) return;
    var path = "/inbox/c/" + id;
    if (window.location.pathname !== path) history.pushState({ htmx: true }, "", path);
  }

  document.addEventListener("htmx:afterSettle", function (evt) { mark(); fit(); follow(evt); });
  document.addEventListener("DOMContentLoaded", function () { mark(); fit(); });
  window.addEventListener("resize", fit);
  window.ParleyPanes = { mark: mark, openId: openId };
})();
