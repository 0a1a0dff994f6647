/* Parley: the contrast hint under a colour picker follows the colour as it changes (CSP-safe:
   no inline code). Same rule as the server (hub.tenants.channel_forms.white_contrast): the
   WCAG ratio of white text on the colour, rounded to one decimal, readable at 4.5:1 or more.
   The sentences come from the hint's data attributes, in the reader's language. */
(function () {
  "use strict";

  function channel(hex) {
    var c = parseInt(hex, 16) / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  }

  function whiteContrast(colour) {
    if (!/^#[0-9a-fA-F]{6}$/.test(colour || "")) return null;
    var l = 0.2126 * channel(colour.slice(1, 3)) + 0.7152 * channel(colour.slice(3, 5)) +
            0.0722 * channel(colour.slice(5, 7));
    return Math.round((1.05 / (l + 0.05)) * 10) / 10;
  }

  function update(input) {
    var hint = document.getElementById(input.getAttribute("aria-describedby") || "");
    if (!hint || !hint.dataset.says) return;
    var ratio = whiteContrast(input.value);
    hint.textContent = "";
    if (ratio === null) return;
    var lang = document.documentElement.lang || "en";
    var shown = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(ratio);
    hint.appendChild(document.createTextNode(hint.dataset.says.replace("%(ratio)s", shown) + " "));
    if (ratio < 4.5) {
      var low = document.createElement("strong");
      low.className = "error";
      low.textContent = hint.dataset.low;
      hint.appendChild(low);
    } else {
      hint.appendChild(document.createTextNode(hint.dataset.ok));
    }
  }

  document.addEventListener("input", function (evt) {
    var input = evt.target;
    if (input instanceof HTMLInputElement && input.type === "color" && input.dataset.contrast !== undefined) {
      update(input);
    }
  });
})();
