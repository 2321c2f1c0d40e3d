"""GET filter forms of the dossier lists. Their choices come from the user's scope only."""

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.selectors import STAFF_DEFAULT_SORT, STAFF_SORTS
from applications.workflow import APPLICANT_LABELS, TO_INSTRUCT_FILTER, DossierState
from calls.choices import session_choices
from portal.fields import AmountInputField
from portal.models import OrganisationKind


class _ListFilterForm(forms.Form):
    """A filter form that never blocks the list: invalid values are reported and ignored."""

    def filters(self) -> dict:
        """Keyword arguments for the list selector; none when a value is invalid."""
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.selector_arguments().items() if value not in (None, "")}

    def selector_arguments(self) -> dict:
        raise NotImplementedError


class ApplicantDossierFilterForm(_ListFilterForm):
    q = forms.CharField(label=_("Rechercher (numéro, acronyme, titre)"), required=False, max_length=100)
    statut = forms.ChoiceField(label=_("État"), required=False)
    organisation = forms.TypedChoiceField(label=_("Organisation"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["statut"].choices = [("", _("Tous les états")), *APPLICANT_LABELS.items()]
        self.fields["organisation"].choices = [
            ("", _("Toutes mes organisations")),
            *((o.pk, o.name) for o in organisations),
        ]
        # Filtering by organisation only makes sense for a member of several.
        self.show_organisation = len(organisations) > 1

    def selector_arguments(self) -> dict:
        data = self.cleaned_data
        return {"query": data["q"].strip(), "state": data["statut"], "organisation_id": data["organisation"]}


def _sort_choices():
    labels = {
        "reference": _("numéro"),
        "depot": _("date de dépôt"),
        "montant": _("montant demandé"),
        "porteur": _("porteur"),
    }
    choices = []
    for key in STAFF_SORTS:
        choices.append((key, _("Par %(field)s, croissant") % {"field": labels[key]}))
        choices.append((f"-{key}", _("Par %(field)s, décroissant") % {"field": labels[key]}))
    # The default first: a browser shows the first option when the URL has no ?tri=.
    return sorted(choices, key=lambda choice: choice[0] != STAFF_DEFAULT_SORT)


class StaffDossierFilterForm(_ListFilterForm):
    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=100,
        help_text=_("Numéro, acronyme, titre, nom ou SIRET du porteur."),
    )
    programme = forms.TypedChoiceField(label=_("Programme"), required=False, coerce=int, empty_value=None)
    appel = forms.TypedChoiceField(label=_("Appel"), required=False, coerce=int, empty_value=None)
    theme = forms.TypedChoiceField(label=_("Thème"), required=False, coerce=int, empty_value=None)
    session = forms.TypedChoiceField(label=_("Session"), required=False, coerce=int, empty_value=None)
    statut = forms.ChoiceField(
        label=_("État"),
        required=False,
        choices=[
            ("", _("Tous les états")),
            (TO_INSTRUCT_FILTER, _("À instruire (déposé, complet ou compléments demandés)")),
            *DossierState.choices,
        ],
    )
    type_porteur = forms.ChoiceField(
        label=_("Type de porteur"), required=False, choices=[("", _("Tous les types")), *OrganisationKind.choices]
    )
    montant_min = AmountInputField(
        label=_("Montant demandé minimal (€)"), required=False, help_text=_("Par exemple 12 500,50")
    )
    montant_max = AmountInputField(
        label=_("Montant demandé maximal (€)"), required=False, help_text=_("Par exemple 250 000")
    )
    etiquette = forms.TypedChoiceField(label=_("Étiquette"), required=False, coerce=int, empty_value=None)
    brouillons = forms.BooleanField(label=_("Inclure les brouillons"), required=False)
    tri = forms.ChoiceField(label=_("Trier"), required=False, choices=_sort_choices)

    def __init__(self, *args, sessions, labels=(), **kwargs):
        """`sessions`: the user's scope, each with its theme, call and programme loaded; `labels`: the labels
        of the user's programmes (`applications.selectors.labels_of`)."""
        super().__init__(*args, **kwargs)
        self.fields["etiquette"].choices = [
            ("", _("Toutes les étiquettes")),
            *((label.pk, str(label)) for label in labels),
        ]
        themes = _unique(session.theme for session in sessions)
        calls = _unique(theme.call for theme in themes)
        programmes = _unique(call.programme for call in calls)
        self.fields["programme"].choices = [("", _("Tous les programmes")), *((p.pk, p.name) for p in programmes)]
        self.fields["appel"].choices = [("", _("Tous les appels")), *((c.pk, c.title) for c in calls)]
        self.fields["theme"].choices = [("", _("Tous les thèmes")), *((t.pk, f"{t.code} — {t.title}") for t in themes)]
        self.fields["session"].choices = session_choices(sessions, empty_label=_("Toutes les sessions"))

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("montant_min"), cleaned.get("montant_max")
        if low is not None and high is not None and low > high:
            self.add_error("montant_max", _("Le montant maximal doit être supérieur ou égal au montant minimal."))
        return cleaned

    def selector_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "query": data["q"].strip(),
            "programme_id": data["programme"],
            "call_id": data["appel"],
            "theme_id": data["theme"],
            "session_id": data["session"],
            "state": data["statut"],
            "organisation_kind": data["type_porteur"],
            "amount_min": data["montant_min"],
            "amount_max": data["montant_max"],
            "label_id": data["etiquette"],
            "include_drafts": data["brouillons"] or None,
            "sort": data["tri"],
        }

    @property
    def sort(self) -> str:
        """The sort in force: the valid ?tri= value, else the default."""
        return self.filters().get("sort", STAFF_DEFAULT_SORT)


def _unique(objects) -> list:
    """Distinct objects in first-seen order (the scope comes sorted)."""
    return list({obj.pk: obj for obj in objects}.values())
