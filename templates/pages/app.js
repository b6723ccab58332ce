// digestd's progressive enhancements. Every page works without this file:
// it only guesses the time zone on the subscribe form and keeps the manage
// page's preview up to date while the reader types.
(function () {
  "use strict";

  var tz = document.querySelector("input[data-guess-tz]");
  if (tz && tz.value === "UTC" && window.Intl) {
    try {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (zone) {
        tz.value = zone;
      }
    } catch (e) {
      // An old browser without time zone support keeps UTC.
    }
  }

  var topics = document.getElementById("topics");
  var out = document.getElementById("preview");
  if (!topics || !out || !out.dataset.url || !window.fetch) {
    return;
  }
  var timer = 0;
  var latest = 0;
  function refresh() {
    var n = ++latest;
    out.setAttribute("aria-busy", "true");
    fetch(out.dataset.url + "?q=" + encodeURIComponent(topics.value), {
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin"
    }).then(function (r) {
      if (!r.ok) {
        throw new Error("preview: " + r.status);
      }
      return r.text();
    }).then(function (html) {
      // An older answer arriving late must not replace a newer one.
      if (n === latest) {
        out.innerHTML = html;
        out.removeAttribute("aria-busy");
      }
    }).catch(function () {
      if (n === latest) {
        out.textContent = "The preview is not available right now; the Preview button still works.";
        out.removeAttribute("aria-busy");
      }
    });
  }
  topics.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
  if (!out.firstElementChild) {
    refresh();
  }
})();
