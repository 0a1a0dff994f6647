/* Parley pages: every action confirms itself. The server answers an htmx action with a
   "parley:toast" event ({message, kind}); a full page after a redirect carries the text in
   #toast already. Either way the toast shows for a few seconds in a polite live region. */
(function () {
  "use strict";
  var timer = null;

  function show(message, kind) {
    var box = document.getElementById("toast");
    if (!box || !message) return;
    box.textContent = message;
    box.dataset.kind = kind || "ok";
    box.dataset.show = "true";
    if (timer) clearTimeout(timer);
    timer = setTimeout(function () { box.dataset.show = "false"; }, 4000);
  }

  document.body.addEventListener("parley:toast", function (evt) {
    var detail = evt.detail || {};
    show(detail.message, detail.kind);
  });
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("toast");
    if (box && box.dataset.show === "true") show(box.textContent.trim(), "ok");
  });
  window.ParleyToast = show;
})();
