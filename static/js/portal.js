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
