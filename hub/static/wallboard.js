/* Parley wallboard: full-screen mode, the running longest wait and its colour, a clock,
   and a refetch after a dropped live connection. No inline script: loaded under the CSP. */
(function () {
  "use strict";

  function two(n) { return (n < 10 ? "0" : "") + n; }

  // The longest wait grows between changes: count it here rather than ask the server.
  function tick() {
    var board = document.querySelector(".wallboard");
    if (!board) return;
    var amber = Number(board.dataset.amber), red = Number(board.dataset.red);
    document.querySelectorAll(".wb-wait[data-since]").forEach(function (el) {
      var seconds = Math.max(0, Math.floor((Date.now() - Date.parse(el.dataset.since)) / 1000));
      var num = el.querySelector(".wb-num");
      if (num) num.textContent = Math.floor(seconds / 60) + ":" + two(seconds % 60);
      var minutes = seconds / 60;
      el.classList.remove("level-ok", "level-amber", "level-red");
      el.classList.add(minutes >= red ? "level-red" : minutes >= amber ? "level-amber" : "level-ok");
    });
    var clock = document.getElementById("wb-clock");
    if (clock) {
      var now = new Date();
      clock.textContent = two(now.getHours()) + ":" + two(now.getMinutes());
    }
  }

  function toggleFullscreen() {
    var button = document.getElementById("wb-fullscreen");
    if (document.fullscreenElement) {
      document.exitFullscreen();
    } else if (document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () {
        if (button) button.textContent = button.dataset.refused || "Full screen is not allowed here";
      });
    }
  }

  document.addEventListener("fullscreenchange", function () {
    var button = document.getElementById("wb-fullscreen");
    var on = Boolean(document.fullscreenElement);
    document.body.classList.toggle("wb-full", on);
    if (button) {
      button.setAttribute("aria-pressed", String(on));
      // The words come translated from the page (data-enter, data-leave).
      button.textContent = on ? button.dataset.leave || "Leave full screen" : button.dataset.enter || "Full screen";
    }
  });

  document.addEventListener("click", function (evt) {
    if (evt.target && evt.target.id === "wb-fullscreen") toggleFullscreen();
  });

  var opens = 0;
  document.addEventListener("htmx:sseOpen", function () {
    opens += 1;
    var board = document.getElementById("board");
    if (opens > 1 && board) htmx.trigger(board, "wallboard:resync");
  });

  document.addEventListener("htmx:afterSettle", tick);
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
})();
