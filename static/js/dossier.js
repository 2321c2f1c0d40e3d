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
