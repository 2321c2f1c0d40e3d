// Progressive enhancement of dossier pages; every page works without it.
(function () {
  // Conditional fields: hide a field while the field it depends on has another value.
  function currentValue(form, name) {
    var inputs = form.querySelectorAll('[name="answers-' + name + '"]');
    var values = [];
    inputs.forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox")) {
        if (input.checked) values.push(input.value);
      } else {
        values.push(input.value);
      }
    });
    return values;
  }
  function refreshConditions(form) {
    form.querySelectorAll("[data-show-if]").forEach(function (input) {
      var wrapper = input.closest("[data-field]");
      if (!wrapper) return;
      var visible = currentValue(form, input.dataset.showIf).indexOf(input.dataset.showIfValue) !== -1;
      wrapper.hidden = !visible;
    });
  }
  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    refreshConditions(form);
    form.addEventListener("change", function () { refreshConditions(form); });
  });
  // After an autosave, the server tells the version to send next time (optimistic locking).
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var marker = event.detail.target.querySelector("[data-new-base-version]");
    var form = event.detail.target.closest("form") || document.querySelector("form[data-autosave]");
    if (marker && form) {
      var input = form.querySelector("[data-base-version]");
      if (input) input.value = marker.value;
    }
  });
  // After an autosave, the fields the server refused are marked invalid and described by the
  // message that says why; the fields it accepted lose the mark. Focus stays where the user is.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var marker = event.detail.target.querySelector("[data-invalid-fields]");
    var form = event.detail.target.closest("form") || document.querySelector("form[data-autosave]");
    if (!marker || !form) return;
    var ids = marker.dataset.invalidFields.split(" ").filter(Boolean);
    var messageId = marker.dataset.errorMessage;
    form.querySelectorAll("[aria-invalid]").forEach(function (input) {
      if (ids.indexOf(input.id) !== -1) return;
      input.removeAttribute("aria-invalid");
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id !== messageId;
      });
      if (described.length) input.setAttribute("aria-describedby", described.join(" "));
      else input.removeAttribute("aria-describedby");
    });
    ids.forEach(function (id) {
      var input = document.getElementById(id);
      if (!input) return;
      input.setAttribute("aria-invalid", "true");
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (other) {
        return other && document.getElementById(other);
      });
      if (described.indexOf(messageId) === -1 && document.getElementById(messageId)) described.push(messageId);
      if (described.length) input.setAttribute("aria-describedby", described.join(" "));
    });
  });
  // A click on "Enregistrer" while an autosave is on its way would post the version read before
  // that autosave and meet a conflict with oneself: wait for the autosave, then submit.
  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    var saving = false;
    var pending = null;
    form.addEventListener("htmx:beforeRequest", function () { saving = true; });
    form.addEventListener("htmx:afterRequest", function () {
      saving = false;
      if (pending) {
        var submitter = pending;
        pending = null;
        // The swap that carries the new version runs before this event settles.
        setTimeout(function () { form.requestSubmit(submitter); }, 50);
      }
    });
    form.addEventListener("submit", function (event) {
      if (saving) {
        event.preventDefault();
        pending = event.submitter || form.querySelector("[type=submit]");
      }
    });
  });
  // An autosave that cannot save must say so, not leave an old "Enregistré à" in place.
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
    if (form && url && url.indexOf(form.dataset.loginUrl) !== -1) {
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
  // Character counters on limited long texts.
  document.querySelectorAll("textarea[data-max-length]").forEach(function (area) {
    var counter = document.createElement("p");
    counter.className = "fr-hint-text";
    counter.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", counter);
    function update() { counter.textContent = area.value.length + " / " + area.dataset.maxLength + " caractères"; }
    area.addEventListener("input", update);
    update();
  });
  // A second click while the submission is on its way does nothing (the server is idempotent anyway).
  document.querySelectorAll("[data-submit-once]").forEach(function (button) {
    button.form.addEventListener("submit", function () { setTimeout(function () { button.disabled = true; }, 0); });
  });
})();
