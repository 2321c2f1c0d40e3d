"""The idempotency key of a form that writes money: drawn with the form, posted back hidden.

A service given a key it has already stored returns what that first post wrote instead of
writing again (a replayed post, a double click, two concurrent requests). The key is kept on
the row written, under a unique constraint: the last line of defence when two posts race.
"""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

EXPIRED = _("Ce formulaire a expiré : rechargez la page, puis saisissez-le à nouveau.")


class IdempotencyKeyField(forms.UUIDField):
    """A hidden UUID, new each time an unbound form is drawn."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("initial", uuid.uuid4)
        kwargs.setdefault("error_messages", {"required": EXPIRED, "invalid": EXPIRED})
        super().__init__(**kwargs)


class IdempotentForm(forms.Form):
    """A form carrying the key. The field is hidden, so its error is shown as the form's."""

    idempotency_key = IdempotencyKeyField()

    def clean(self):
        cleaned = super().clean()
        if "idempotency_key" in self._errors:
            self.add_error(None, self._errors.pop("idempotency_key"))
        return cleaned
