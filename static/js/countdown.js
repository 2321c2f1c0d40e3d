// Progressive enhancement: keeps the server-computed "Clôture dans …" texts current.
// The server clock stays authoritative; this only refreshes the wording every minute.
(function () {
  var elements = document.querySelectorAll("[data-countdown-until]");
  if (!elements.length) {
    return;
  }
  function plural(count, one, many) {
    return count + " " + (count > 1 ? many : one);
  }
  function label(milliseconds) {
    if (milliseconds <= 0) {
      return "Session close : rechargez la page.";
    }
    var minutesLeft = Math.floor(milliseconds / 60000);
    var days = Math.floor(minutesLeft / 1440);
    var hours = Math.floor((minutesLeft % 1440) / 60);
    var minutes = minutesLeft % 60;
    var parts = [];
    if (days) { parts.push(plural(days, "jour", "jours")); }
    if (hours) { parts.push(plural(hours, "heure", "heures")); }
    if (minutes) { parts.push(plural(minutes, "minute", "minutes")); }
    parts = parts.slice(0, 2);
    return parts.length ? "Clôture dans " + parts.join(" et ") : "Clôture dans moins d'une minute";
  }
  function refresh() {
    elements.forEach(function (element) {
      var text = label(Date.parse(element.getAttribute("data-countdown-until")) - Date.now());
      if (element.textContent !== text) {
        element.textContent = text;
      }
    });
  }
  refresh();
  window.setInterval(refresh, 60000);
})();
