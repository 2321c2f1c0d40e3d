// Forms that save themselves (form[data-autosave], posted by htmx): they save while the user types
// (hx-trigger waits for a pause), save before the user leaves through a link, and the browser warns
// before the page is left with changes not saved. Every page works without it (buttons post the form).
//
// The server marks each answer with data-save-outcome: "saved" when everything sent is stored;
// anything else (a field refused, a simultaneous edit, an expired session) leaves changes unsaved.
(function () {
  var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-autosave]"));
  if (!forms.length) return;
  var leaving = false;  // a navigation the user chose: no warning any more

  forms.forEach(function (form) {
    form.autosave = { edits: 0, sent: 0, saved: 0, saving: false, next: null, warned: false, outcome: "" };
    function edited() { form.autosave.edits += 1; }
    form.addEventListener("input", edited);
    form.addEventListener("change", edited);
    form.addEventListener("htmx:beforeRequest", function (event) {
      if (event.detail.elt !== form) return;
      form.autosave.saving = true;
      form.autosave.sent = form.autosave.edits;
    });
    form.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.elt !== form) return;
      var state = form.autosave;
      state.saving = false;
      state.outcome = event.detail.successful ? outcome(form) : "failed";
      if (state.outcome === "saved") {
        state.saved = state.sent;
        state.warned = false;
      }
      if (state.next) {
        var next = state.next;
        state.next = null;
        // The swap that carries the new version runs before this event settles.
        setTimeout(next, 50);
      }
    });
    // A click on "Enregistrer" while an autosave is on its way would post the version read before
    // that autosave and meet a conflict with oneself: wait for the autosave, then submit.
    form.addEventListener("submit", function (event) {
      if (form.autosave.saving) {
        event.preventDefault();
        var submitter = event.submitter || form.querySelector("[type=submit]");
        form.autosave.next = function () { form.requestSubmit(submitter); };
      } else {
        leaving = true;
      }
    });
  });

  function outcome(form) {
    var target = document.querySelector(form.getAttribute("data-hx-target"));
    var marker = target && (target.matches("[data-save-outcome]") ? target : target.querySelector("[data-save-outcome]"));
    return marker ? marker.getAttribute("data-save-outcome") : "";
  }
  function unsaved(form) { return form.autosave.saving || form.autosave.edits > form.autosave.saved; }
  function pending() { return forms.filter(unsaved); }
  function flush(form) {
    if (!form.autosave.saving && form.autosave.edits > form.autosave.saved) htmx.trigger(form, "autosave-now");
  }
  function statusOf(form) { return document.querySelector(form.getAttribute("data-hx-target")); }

  // Leaving through a link of the page (the dossier's menu, the header…): save first, then go.
  // If the save does not go through, stay: the status says why; a second click asks to confirm.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey
        || event.altKey || link.target === "_blank" || link.hasAttribute("download")
        || link.getAttribute("href").charAt(0) === "#") return;
    var waiting = pending();
    if (!waiting.length) return;
    event.preventDefault();
    var form = waiting[0];
    if (form.autosave.warned) {
      if (window.confirm("Des modifications ne sont pas enregistrées et seront perdues. Quitter la page quand même ?")) {
        leaving = true;
        window.location.assign(link.href);
      }
      return;
    }
    var go = function () {
      if (!unsaved(form)) {
        leaving = true;
        window.location.assign(link.href);
        return;
      }
      if (form.autosave.outcome === "saved") {  // typed again while the last save was on its way
        form.autosave.next = go;
        flush(form);
        return;
      }
      form.autosave.warned = true;
      var status = statusOf(form);
      if (status) {
        status.setAttribute("tabindex", "-1");
        status.focus();
      }
    };
    form.autosave.next = go;
    flush(form);
  });

  // Another tab, another application, a phone put away: save now, the page may never come back.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") forms.forEach(flush);
  });
  // Any other way out (closing, the back button, an address typed): the browser asks to confirm.
  window.addEventListener("beforeunload", function (event) {
    if (leaving || !pending().length) return;
    forms.forEach(flush);
    event.preventDefault();
    event.returnValue = "";
  });

  // After a save, the server tells the version to send next time (optimistic locking).
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var marker = event.detail.target.querySelector("[data-new-base-version]");
    var form = event.detail.target.closest("form") || document.querySelector("form[data-autosave]");
    if (marker && form) {
      var input = form.querySelector("[data-base-version]");
      if (input) input.value = marker.value;
    }
  });
  // A save that cannot go through must say so, not leave an old "Enregistré à" in place.
  function showFailure(target, text) {
    var message = document.createElement("p");
    message.className = "fr-message fr-message--error";
    message.textContent = text;
    target.replaceChildren(message);
  }
  function autosaveForm(event) {
    var elt = event.detail.elt;
    return elt && elt.closest ? elt.closest("form[data-autosave]") : null;
  }
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var form = autosaveForm(event);
    var url = event.detail.xhr && event.detail.xhr.responseURL;
    if (form && url && form.dataset.loginUrl && url.indexOf(form.dataset.loginUrl) !== -1) {
      event.detail.shouldSwap = false;
      showFailure(event.detail.target, "Non enregistré : votre session a expiré. Reconnectez-vous dans un autre onglet, puis enregistrez : votre saisie est toujours dans cette page.");
    }
  });
  document.body.addEventListener("htmx:responseError", function (event) {
    if (autosaveForm(event)) {
      showFailure(event.detail.target, "Non enregistré : le serveur n'a pas répondu correctement. Réessayez avec le bouton « Enregistrer ».");
    }
  });
  document.body.addEventListener("htmx:sendError", function (event) {
    if (autosaveForm(event)) {
      showFailure(event.detail.target, "Non enregistré : la connexion est interrompue. Réessayez avec le bouton « Enregistrer ».");
    }
  });
})();
