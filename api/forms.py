"""Back-office forms: a token (name, rights, expiry) and a webhook endpoint (address, events)."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.models import WebhookEvent
from portal.fields import DateInputField


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Nom du jeton"), max_length=100, help_text=_("Le système qui l'utilisera, par exemple « Finances ».")
    )
    scopes = forms.MultipleChoiceField(label=_("Droits"), widget=forms.CheckboxSelectMultiple)
    expires_on = DateInputField(
        label=_("Expire le"),
        help_text=_("Au plus un an ; le jeton cesse de fonctionner à minuit (heure de Paris) ce jour-là."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),  # what a date picker reads
    )

    def __init__(self, *args, scopes, **kwargs):
        """`scopes`: the api.scopes.Scope the actor may give on this programme."""
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = [(scope.code, f"{scope.label} ({scope.code})") for scope in scopes]
        self.fields["expires_on"].initial = timezone.localdate() + timedelta(days=365)

    def expires_at(self):
        """Midnight, Paris time, at the start of the chosen day."""
        day = self.cleaned_data["expires_on"]
        return timezone.make_aware(timezone.datetime(day.year, day.month, day.day))


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Adresse (https://…)"),
        max_length=500,
        help_text=_("Le portail y envoie un POST JSON signé pour chaque événement choisi."),
    )
    description = forms.CharField(label=_("Description"), max_length=255, required=False)
    events = forms.MultipleChoiceField(
        label=_("Événements"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("Actif"), required=False, initial=True)
