"""Forms of the jury pages; the score grid itself is read from the POST by `sheet_from_post`."""

from django import forms
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from juries import scoring
from juries.models import ConflictDeclaration, Decision, Hearing, JuryMember, Recommendation
from portal.deadlines import DeadlineField
from portal.fields import DateTimeInputField, DecimalInputField, IntegerInputField
from portal.idempotency import IdempotentForm


class DeclarationForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Déclaration"),
        widget=forms.RadioSelect,
        choices=[
            (ConflictDeclaration.Status.NONE, _("Aucun conflit d'intérêts")),
            (ConflictDeclaration.Status.CONFLICT, _("Conflit d'intérêts")),
        ],
    )
    reason = forms.CharField(
        label=_("Motif"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Obligatoire pour un conflit, ou pour écarter un conflit signalé."),
    )


class MemberAddForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail du membre"))
    is_chair = forms.BooleanField(label=_("Président·e du jury"), required=False)
    is_external = forms.BooleanField(label=_("Expert·e externe"), required=False)
    sector = forms.ChoiceField(label=_("Secteur"), choices=JuryMember.Sector.choices)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Motif de la réouverture"), widget=forms.Textarea(attrs={"rows": 2}))


class OpinionForm(forms.Form):
    opinion = forms.CharField(label=_("Avis motivé"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    recommendation = forms.ChoiceField(
        label=_("Recommandation"), required=False, choices=[("", "—"), *Recommendation.choices]
    )


class DeliberationForm(IdempotentForm):
    """The ranking page's form; its key, drawn with the page, makes a second post find the first deliberation."""

    override_reason = forms.CharField(
        label=_("Motif de dépassement de l'enveloppe (dérogation du ou de la président·e)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


DECISION_CHOICES = [("", _("— pas de décision —")), *Decision.Kind.choices]


def sheet_from_post(grid: list[scoring.GridItem], data) -> dict:
    """The score sheet as the services take it, from fields score_<code> / comment_<code>."""
    sheet = {}
    for item in scoring.leaves(grid):
        raw = data.get(f"score_{item.code}", "")
        sheet[item.code] = {
            "score": None if raw in ("", "na") else raw,
            "na": raw == "na",
            "comment": data.get(f"comment_{item.code}", ""),
        }
    return sheet


def session_labels(sessions) -> dict[str, object]:
    """label → session, each label read and typed by a person: « ITN6 — Guichet — mars 2021 », the
    call's title first for a session of another call (`other_call`), the opening date when two match."""
    labels, seen = {}, {}
    for session in sessions:
        label = f"{session.theme.call.title} — {session}" if getattr(session, "other_call", False) else str(session)
        seen[label] = seen.get(label, 0) + 1
        labels[session] = label
    for session, label in labels.items():
        if seen[label] > 1:
            labels[session] = f"{label} (ouverture le {session.opens_at:%d/%m/%Y})"
    return {label: session for session, label in labels.items()}


class SessionSearchInput(forms.TextInput):
    """A text input searching a list of sessions (a datalist: the browser filters it as one types),
    instead of a select of hundreds of options: the input and the datalist of its `sessions`."""

    sessions = ()

    def render(self, name, value, attrs=None, renderer=None):
        list_id = f"{(attrs or {}).get('id', name)}-options"
        html = super().render(name, value, {**(attrs or {}), "list": list_id, "autocomplete": "off"}, renderer)
        options = format_html_join(
            "", '<option value="{}"></option>', ((label,) for label in session_labels(self.sessions))
        )
        return html + format_html('<datalist id="{}">{}</datalist>', list_id, options)


class SessionSearchField(forms.ModelChoiceField):
    """A session chosen among `queryset` by its label (as offered) or its id; anything else is refused."""

    widget = SessionSearchInput
    default_error_messages = {
        "invalid_choice": _("Session introuvable : choisissez-en une dans la liste proposée."),
    }

    def _set_queryset(self, queryset):
        super()._set_queryset(queryset)
        self.widget.sessions = self.queryset if self.queryset is not None else []

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def prepare_value(self, value):
        if hasattr(value, "_meta"):
            return next((label for label, session in session_labels(self.queryset).items() if session == value), "")
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        session = session_labels(self.queryset).get(str(value).strip())
        return session if session is not None else super().to_python(value)


class JuryCreateForm(forms.Form):
    """Scope choices are limited to the staff's programmes; consistency is the service's to check."""

    name = forms.CharField(label=_("Nom du jury"), max_length=255)
    call = forms.ModelChoiceField(label=_("Appel"), queryset=None)
    theme = forms.ModelChoiceField(label=_("Thème (facultatif)"), queryset=None, required=False)
    session = SessionSearchField(
        label=_("Session (facultative)"),
        queryset=None,
        required=False,
        help_text=_("Les sessions de l'appel choisi : tapez un thème ou un mois pour chercher."),
    )
    evaluations_per_dossier = IntegerInputField(
        label=_("Évaluations par dossier"), min_value=1, max_value=10, initial=2
    )
    due_at = DeadlineField(label=_("Date limite des évaluations (jj/mm/aaaa ou jj/mm/aaaa hh:mm)"), required=False)
    divergence_threshold = DecimalInputField(
        label=_("Écart d'alerte (points sur 100)"), initial=20, min_value=0, max_value=100
    )
    pass_mark = DecimalInputField(
        label=_("Note globale minimale (sur 100, facultative)"), required=False, min_value=0, max_value=100
    )
    mix_sectors = forms.BooleanField(label=_("Mêler membres publics et privés à l'attribution"), required=False)

    def __init__(self, *args, calls, themes, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call"].queryset = calls
        # Choosing the call reloads the themes and sessions offered (#jury-scope, htmx).
        self.fields["call"].widget.attrs.update(
            {
                "hx-get": reverse("juries:staff_list"),
                "hx-trigger": "change",
                "hx-target": "#jury-scope",
                "hx-select": "#jury-scope",
                "hx-swap": "outerHTML",
            }
        )
        self.fields["theme"].queryset = themes
        self.fields["session"].queryset = sessions


class HearingScheduleForm(forms.Form):
    starts_at = DateTimeInputField(
        label=_("Date et heure (heure de Paris)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
    )
    duration_minutes = IntegerInputField(label=_("Durée (minutes)"), min_value=5, max_value=480, initial=30)
    place = forms.CharField(label=_("Lieu"), required=False, max_length=500)
    video_link = forms.URLField(label=_("Lien de visioconférence"), required=False, assume_scheme="https")


class HearingAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Votre réponse"),
        widget=forms.RadioSelect,
        choices=[("confirm", _("Je confirme ma présence")), ("other", _("Je demande un autre créneau"))],
    )
    note = forms.CharField(
        label=_("Créneaux qui vous conviennent (si vous demandez un autre créneau)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class HearingRecordForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Issue de l'audition"), widget=forms.RadioSelect, choices=Hearing.Outcome.choices
    )
    notes = forms.CharField(label=_("Compte rendu"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10000)
