/* Parley inbox: autocomplete of the account's labels in every field marked
   data-complete="labels" (a comma-separated list, or one name with data-single).
   The names come once a page from /inbox/labels/options. The list is a listbox owned by
   the field: the first match is highlighted, ↑/↓ move, Enter or Tab take it, Escape
   closes; a name taken fires "change", so the field's form saves it as typing would. */
(function () {
  "use strict";

  var known = null, loading = null;
  function load() {
    if (known) return Promise.resolve(known);
    if (!loading) {
      loading = fetch("/inbox/labels/options", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (list) { known = list; return list; })
        .catch(function () { loading = null; return []; });
    }
    return loading;
  }

  function parts(input) {
    var single = input.dataset.single === "true";
    var value = input.value;
    var cut = single ? -1 : value.lastIndexOf(",");
    return { head: value.slice(0, cut + 1), term: value.slice(cut + 1).trim().toLowerCase(), single: single };
  }

  function box(input) {
    var id = input.id + "-options";
    var list = document.getElementById(id);
    if (!list) {
      list = document.createElement("ul");
      list.id = id;
      list.className = "label-suggest";
      list.setAttribute("role", "listbox");
      list.setAttribute("aria-label", input.labels && input.labels[0] ? input.labels[0].textContent : "Labels");
      list.hidden = true;
      var wrap = input.parentNode;
      wrap.classList.add("complete");
      wrap.insertBefore(list, input.nextSibling);
      input.setAttribute("role", "combobox");
      input.setAttribute("aria-autocomplete", "list");
      input.setAttribute("aria-controls", id);
      input.setAttribute("aria-expanded", "false");
    }
    return list;
  }

  function dot(colour) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg"), circle = document.createElementNS(ns, "circle");
    svg.setAttribute("width", "10"); svg.setAttribute("height", "10");
    svg.setAttribute("viewBox", "0 0 10 10"); svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", "label-dot");
    circle.setAttribute("cx", "5"); circle.setAttribute("cy", "5"); circle.setAttribute("r", "5");
    circle.setAttribute("fill", colour || "#4b5563");
    svg.appendChild(circle);
    return svg;
  }

  function close(input) {
    var list = box(input);
    list.hidden = true;
    list.textContent = "";
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(input, option) {
    var list = box(input);
    Array.prototype.forEach.call(list.children, function (o) {
      var on = o === option;
      o.classList.toggle("active", on);
      o.setAttribute("aria-selected", on ? "true" : "false");
    });
    if (option) { input.setAttribute("aria-activedescendant", option.id); option.scrollIntoView({ block: "nearest" }); }
  }

  function suggest(input) {
    load().then(function (labels) {
      var p = parts(input);
      var taken = p.single ? [] : p.head.split(",").map(function (x) { return x.trim().toLowerCase(); });
      var starts = [], within = [];
      labels.forEach(function (l) {
        if (!p.term || taken.indexOf(l.name) >= 0 || l.name === p.term) return;
        var at = l.name.indexOf(p.term);
        if (at === 0) starts.push(l); else if (at > 0) within.push(l);
      });
      var found = starts.concat(within).slice(0, 8);
      var list = box(input);
      list.textContent = "";
      if (!found.length || document.activeElement !== input) { close(input); return; }
      found.forEach(function (l, i) {
        var li = document.createElement("li");
        li.id = input.id + "-option-" + i;
        li.setAttribute("role", "option");
        li.dataset.name = l.name;
        li.appendChild(dot(l.colour));
        li.appendChild(document.createTextNode(l.name));
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(input, list.firstElementChild);
    });
  }

  function take(input, option) {
    var p = parts(input);
    input.value = p.single ? option.dataset.name : (p.head ? p.head.replace(/\s*$/, " ") : "") + option.dataset.name + ", ";
    close(input);
    input.focus();
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function field(el) { return el && el.matches && el.matches("input[data-complete=labels]") ? el : null; }

  document.addEventListener("focusin", function (evt) { if (field(evt.target)) load(); });
  document.addEventListener("input", function (evt) { var input = field(evt.target); if (input) suggest(input); });
  document.addEventListener("focusout", function (evt) {
    var input = field(evt.target);
    if (input) setTimeout(function () { if (document.activeElement !== input) close(input); }, 150);
  });
  document.addEventListener("mousedown", function (evt) {
    if (evt.target.closest && evt.target.closest(".label-suggest li")) evt.preventDefault();  // keep the focus
  });
  document.addEventListener("click", function (evt) {
    var option = evt.target.closest && evt.target.closest(".label-suggest li");
    if (!option) return;
    var input = document.querySelector("[aria-controls='" + option.parentNode.id + "']");
    if (input) take(input, option);
  });
  // Capture phase: before the page's own keys (keys.js) and before the form sees Enter.
  document.addEventListener("keydown", function (evt) {
    var input = field(evt.target);
    if (!input) return;
    var list = box(input);
    if (list.hidden || !list.children.length) return;
    var options = Array.prototype.slice.call(list.children);
    var active = list.querySelector(".active");
    var at = options.indexOf(active);
    if (evt.key === "ArrowDown" || evt.key === "ArrowUp") {
      var next = evt.key === "ArrowDown" ? at + 1 : at - 1;
      highlight(input, options[(next + options.length) % options.length]);
    } else if ((evt.key === "Enter" || evt.key === "Tab") && !evt.shiftKey) {
      take(input, active || options[0]);
    } else if (evt.key === "Escape") {
      close(input);
    } else {
      return;
    }
    evt.preventDefault();
    evt.stopPropagation();
  }, true);
})();
