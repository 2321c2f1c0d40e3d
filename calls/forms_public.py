"""Forms of the public calls pages: list filters and info session registration."""

from django import forms
from django.utils.translation import gettext_lazy as _

from calls.models import CallKind, InfoSession, InfoSessionRegistration
from calls.selectors import Timing
from calls.services.registration import attendance_modes

TIMING_FILTER_CHOICES = [
    ("", _("Tous")),
    (Timing.OPEN.value, _("Ouverts maintenant")),
    (Timing.UPCOMING.value, _("À venir")),
    (Timing.CLOSED.value, _("Clos")),
]


class CallFilterForm(forms.Form):
    """GET filters of the list; unknown values are ignored rather than reported."""

    q = forms.CharField(label=_("Rechercher dans les titres"), required=False, max_length=100)
    programme = forms.ChoiceField(label=_("Programme"), required=False)
    type = forms.ChoiceField(
        label=_("Type d'appel"), required=False, choices=[("", _("Tous les types")), *CallKind.choices]
    )
    equipe = forms.ChoiceField(label=_("Équipe porteuse"), required=False)
    periode = forms.ChoiceField(label=_("Période"), required=False, choices=TIMING_FILTER_CHOICES)

    def __init__(self, *args, programmes, owner_teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", _("Tous les programmes")), *((p.slug, p.name) for p in programmes)]
        self.fields["equipe"].choices = [("", _("Toutes les équipes")), *((team, team) for team in owner_teams)]

    def selector_filters(self) -> dict:
        """The valid filters; an invalid one is dropped (and flagged next to its field)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "query": data.get("q", "").strip(),
            "programme_slug": data.get("programme", ""),
            "kind": data.get("type", ""),
            "owner_team": data.get("equipe", ""),
            "timing": data.get("periode", ""),
        }


class InfoSessionRegistrationForm(forms.Form):
    name = forms.CharField(
        label=_("Nom et prénom"), max_length=255, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        help_text=_("Format attendu : nom@domaine.fr. La confirmation y sera envoyée."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    organisation_name = forms.CharField(
        label=_("Organisation"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    attendance = forms.ChoiceField(label=_("Participation"), widget=forms.RadioSelect)

    def __init__(self, *args, info_session: InfoSession, **kwargs):
        super().__init__(*args, **kwargs)
        modes = attendance_modes(info_session)
        labels = dict(InfoSessionRegistration.Attendance.choices)
        self.fields["attendance"].choices = [(mode, labels[mode]) for mode in modes]
        self.fields["attendance"].initial = modes[0]
