// Sends the CSRF token with every htmx request (the token lives in the cookie-less form field).
document.body.addEventListener("htmx:configRequest", function (event) {
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) {
    event.detail.headers["X-CSRFToken"] = token.value;
  }
});
// Forms marked data-warn-unsaved (no autosave): once typed in and not sent, leaving the page asks to confirm.
(function () {
  var changed = new Set();
  document.querySelectorAll("form[data-warn-unsaved]").forEach(function (form) {
    form.addEventListener("input", function () { changed.add(form); });
    form.addEventListener("submit", function () { changed.clear(); });
  });
  window.addEventListener("beforeunload", function (event) {
    if (!changed.size) return;
    event.preventDefault();
    event.returnValue = "";
  });
})();

// A page drawn after an action (a message, a form's error summary, the line just added) moves
// focus to what the action produced: a screen reader reads it, the keyboard goes on from there.
// A redirect keeps the fragment of the page the form was sent from (#content after a skip link):
// the browser would then focus that fragment's target instead, so the fragment is dropped.
(function () {
  var target = document.querySelector("[data-focus-on-load]");
  if (!target) return;
  var fragment = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
  if (fragment) {
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  target.focus();
  window.addEventListener("load", function () {
    var active = document.activeElement;
    if (active !== target && (active === document.body || active === fragment)) target.focus();
  });
})();

// A table wider than its container scrolls sideways: it must then take keyboard focus so that
// it can be scrolled without a mouse (RGAA 7.3); its caption names it. A table that fits stays
// out of the tab order.
(function () {
  var selector = ".fr-table > table, .fr-table__container";
  function mark(box) {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.setAttribute("tabindex", "0");
    } else if (box.getAttribute("tabindex") === "0") {
      box.removeAttribute("tabindex");
    }
  }
  var observer = window.ResizeObserver ? new ResizeObserver(function (entries) {
    entries.forEach(function (entry) { mark(entry.target); });
  }) : null;
  function watch(root) {
    var boxes = Array.prototype.slice.call(root.querySelectorAll(selector));
    if (root.matches && root.matches(selector)) boxes.push(root);
    boxes.forEach(function (box) {
      mark(box);
      if (observer) observer.observe(box);
    });
  }
  watch(document);
  document.body.addEventListener("htmx:load", function (event) { watch(event.detail.elt); });
  window.addEventListener("resize", function () { document.querySelectorAll(selector).forEach(mark); });
})();
