/* Parley assist in the conversation page (hub/inbox/assist.py).
   - Suggest: an EventSource on /inbox/c/<id>/assist/suggestions; each "draft" event adds
     words to its card as the model writes them; "done" or "failed" ends the stream (the
     page closes it, so the browser does not reconnect and ask the model again). The agent
     picks a card into the reply box and sends it themselves.
   - Suggested labels: a chip adds its label to the labels field, whose form saves it.
   The model's words are only ever set as text (textContent), never as markup. */
(function () {
  "use strict";

  var source = null;

  function area() { return document.getElementById("assist-drafts"); }
  function suggestButton() { return document.querySelector("[data-assist-suggest]"); }

  function busy(on) {
    var button = suggestButton();
    if (button) button.setAttribute("aria-busy", on ? "true" : "false");
  }
  function stop() {
    if (source) { source.close(); source = null; }
    busy(false);
  }
  function say(box, status, problem) {
    box.querySelector(".assist-status").textContent = status || "";
    var error = box.querySelector(".assist-error");
    error.textContent = problem || "";
    error.hidden = !problem;
  }

  function card(box, index) {
    var list = box.querySelector(".assist-cards");
    var found = list.querySelector('[data-index="' + index + '"]');
    if (found) return found;
    var item = document.createElement("li");
    item.className = "assist-draft";
    item.dataset.index = String(index);
    var title = document.createElement("h3");
    title.textContent = box.dataset.title.replace("{n}", String(index + 1));
    var text = document.createElement("p");
    text.className = "assist-draft-text";
    var use = document.createElement("button");
    use.type = "button";
    use.className = "assist-use";
    use.textContent = box.dataset.use;
    use.disabled = true;  // a draft is picked once it is whole
    item.append(title, text, use);
    var later = Array.from(list.children).find(function (c) { return Number(c.dataset.index) > index; });
    list.insertBefore(item, later || null);
    return item;
  }

  function suggest() {
    var box = area();
    if (!box) return false;
    stop();
    box.hidden = false;
    box.querySelector(".assist-cards").replaceChildren();
    say(box, box.dataset.writing, "");
    busy(true);
    var stream = new EventSource(box.dataset.url);
    source = stream;
    function current() {
      if (source === stream && box.isConnected) return true;
      if (source === stream) stop();  // the composer was replaced (a message sent, another page)
      else stream.close();
      return false;
    }
    stream.addEventListener("draft", function (evt) {
      if (!current()) return;
      var data = JSON.parse(evt.data);
      card(box, data.index).querySelector(".assist-draft-text").textContent += data.delta;
    });
    stream.addEventListener("done", function (evt) {
      if (!current()) return;
      var data = JSON.parse(evt.data);
      stop();
      var uses = box.querySelectorAll(".assist-use");
      uses.forEach(function (b) { b.disabled = false; });
      say(box, data.note, "");
      var here = document.activeElement;
      if (uses.length && (here === suggestButton() || here === document.body)) uses[0].focus();
    });
    stream.addEventListener("failed", function (evt) {
      if (!current()) return;
      var data = JSON.parse(evt.data);
      stop();
      say(box, "", data.note);
    });
    stream.onerror = function () {  // the connection broke before "done" (never retried)
      if (!current()) return;
      stop();
      say(box, "", box.dataset.lost);
    };
    return true;
  }

  function pick(item) {
    var box = area();
    var textarea = document.getElementById("reply-text");
    if (!box || !textarea) return;
    var reply = document.getElementById("kind-reply");
    if (reply) reply.checked = true;
    textarea.value = item.querySelector(".assist-draft-text").textContent;
    // The composer's own listeners follow: SMS segments, the kept draft, the typing signal.
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    box.querySelectorAll(".assist-draft").forEach(function (d) {
      d.classList.toggle("chosen", d === item);
    });
    textarea.focus();
    textarea.setSelectionRange(textarea.value.length, textarea.value.length);
    if (window.ParleyToast) window.ParleyToast(box.dataset.used);
  }

  function addLabel(chip) {
    var input = document.getElementById("labels");
    if (!input) return;
    var names = input.value.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
    if (names.indexOf(chip.dataset.label) < 0) names.push(chip.dataset.label);
    input.value = names.join(", ");
    input.dispatchEvent(new Event("change", { bubbles: true }));  // the labels form saves
    var item = chip.closest("li");
    var next = item && (item.nextElementSibling || item.previousElementSibling);
    if (item) item.remove();
    var focus = next ? next.querySelector("button") : input;
    if (focus) focus.focus();
  }

  document.addEventListener("click", function (evt) {
    var el = evt.target;
    if (!el.closest) return;
    if (el.closest("[data-assist-suggest]")) { suggest(); return; }
    var use = el.closest(".assist-use");
    if (use) { pick(use.closest(".assist-draft")); return; }
    var chip = el.closest(".assist-chip");
    if (chip) addLabel(chip);
  });

  window.ParleyAssist = { suggest: suggest };
})();
