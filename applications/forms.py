"""Forms of the applicant's pages. They parse input; the rules live in services."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from applications.models import BudgetLine, DossierPartner
from calls.forms_simulator import RateField
from portal.fields import (
    AmountInputField,
    DateInputField,
    DateTimeInputField,
    IntegerInputField,
    ModelForm,
    YearInputField,
)
from portal.models import Organisation


class ProjectForm(forms.Form):
    acronym = forms.CharField(label=_("Acronyme du projet"), max_length=40)
    title = forms.CharField(label=_("Titre du projet"), max_length=255)
    summary = forms.CharField(
        label=_("Résumé"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=3000,
        help_text=_("3 000 caractères au maximum."),
    )
    planned_start = DateInputField(
        label=_("Début prévu"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    duration_months = IntegerInputField(label=_("Durée (mois)"), required=False, min_value=1, max_value=120)


class DossierStartForm(ProjectForm):
    organisation = forms.ModelChoiceField(
        label=_("Organisation porteuse"), queryset=Organisation.objects.none(), empty_label=None
    )

    predecessor = forms.ModelChoiceField(
        label=_("Suite d'un dossier précédent"),
        queryset=None,
        required=False,
        empty_label=_("Non, un nouveau projet"),
        help_text=_(
            "Dossier complet après une manifestation d'intérêt retenue, ou nouveau dépôt après une invitation à redéposer : "
            "les réponses sont reprises et l'historique du projet est conservé."
        ),
    )

    project_phase = forms.ModelChoiceField(
        label=_("Phase d'un projet déjà commencé"),
        queryset=None,
        required=False,
        empty_label=_("Non, un nouveau projet"),
        help_text=_(
            "La phase suivante d'un projet se dépose sous ce projet, quel que soit l'état des phases précédentes : "
            "le plafond par projet s'applique à toutes ses phases. L'acronyme et le titre du projet sont repris "
            "si vous les laissez vides."
        ),
    )

    field_order = [
        "organisation",
        "project_phase",
        "predecessor",
        "acronym",
        "title",
        "summary",
        "planned_start",
        "duration_months",
    ]

    def __init__(self, *args, organisations, predecessors=None, phases=None, invited_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if predecessors is not None and predecessors.exists():
            self.fields["predecessor"].queryset = predecessors
            if invited_only:
                self.fields["predecessor"].required = True
                self.fields["predecessor"].empty_label = None
                self.fields["predecessor"].label = _("Manifestation d'intérêt qui vous invite à la seconde étape")
        else:
            del self.fields["predecessor"]
        if phases is not None and phases.exists():
            self.fields["project_phase"].queryset = phases
            self.fields["project_phase"].label_from_instance = lambda phase: (
                _("%(acronym)s — phase %(order)s : %(label)s")
                % {
                    "acronym": phase.project.acronym,
                    "order": phase.order,
                    "label": phase.label,
                }
            )
            self.fields["acronym"].required = False
            self.fields["title"].required = False
        else:
            del self.fields["project_phase"]


class BudgetLineForm(ModelForm):
    year = YearInputField(label=_("Année"), required=False)
    amount = AmountInputField(label=_("Montant (€)"))

    class Meta:
        model = BudgetLine
        fields = ["label", "year", "phase", "category", "source", "cofinancer_name", "amount"]
        labels = {"label": _("Libellé"), "phase": _("Phase"), "cofinancer_name": _("Co-financeur")}

    def __init__(self, *args, phases=(), **kwargs):
        super().__init__(*args, **kwargs)
        if phases:
            self.fields["phase"] = forms.ChoiceField(label=_("Phase"), required=False, choices=[("", "—"), *phases])
        else:
            # A theme without phases has nothing to choose: the column would only take room.
            self.fields["phase"].widget = forms.HiddenInput()
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "fr-select")
            elif not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "fr-input")

    def as_line(self) -> dict:
        data = self.cleaned_data
        return {
            name: data.get(name) if name in ("year", "amount") else data.get(name) or "" for name in self.Meta.fields
        }


class BaseBudgetFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_many_forms": ngettext_lazy(
            "Le budget compte au plus %(num)d ligne : regroupez des lignes, puis enregistrez.",
            "Le budget compte au plus %(num)d lignes : regroupez des lignes, puis enregistrez.",
            "num",
        ),
    }

    def lines(self) -> list[dict]:
        """Every line kept: existing ones even when unchanged (the table replaces the budget), new ones once filled."""
        initial_count = self.initial_form_count()
        return [
            form.as_line()
            for index, form in enumerate(self.forms)
            if (index < initial_count or form.has_changed()) and not self._should_delete_form(form)
        ]


BudgetFormSet = forms.formset_factory(
    BudgetLineForm,
    formset=BaseBudgetFormSet,
    extra=0,
    can_delete=True,
    max_num=settings.BUDGET_MAX_LINES,
    # Every line the request limit lets through is read and shown back (a line posts at least 7
    # fields: an unticked deletion box posts nothing), so that a table too long loses no line.
    absolute_max=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS // (settings.BUDGET_FIELDS_PER_LINE - 1),
    validate_max=True,
)


class PartnerForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.filter(is_placeholder=False).order_by("name")
    )
    role = forms.ChoiceField(label=_("Rôle"), choices=DossierPartner.Role.choices)
    commitment = AmountInputField(label=_("Engagement financier (€)"), required=False)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail de votre collègue"))


class DocumentUploadForm(forms.Form):
    file = forms.FileField(label=_("Fichier"))


class SubmitForm(forms.Form):
    declaration = forms.BooleanField(
        label=_(
            "Je certifie l'exactitude des informations du dossier et je suis habilité(e) à le déposer au nom de l'organisation porteuse."
        ),
        required=False,
    )


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Votre message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000)
    files = forms.FileField(label=_("Pièce jointe (facultatif)"), required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du retrait (facultatif)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )


def section_form(section: dict, data=None, initial=None, prefix: str = "answers") -> forms.Form:
    """An unbound-by-rules form for one schema section: it renders widgets and keeps the raw input.

    Every field is optional here: validation is `calls.formschema.clean_answers` (one rule set for
    autosave, submission and imports), completeness is checked at submission.
    """
    fields = {}
    for field in section["fields"]:
        fields[field["key"]] = _form_field(field)
    form_class = type("SectionForm", (forms.Form,), fields)
    return form_class(data=data, initial=initial, prefix=prefix)


def _form_field(field: dict) -> forms.Field:
    kind = field["kind"]
    # Optional while drafting (autosave keeps partial input); the hint says what the submission will require.
    required_hint = _("Obligatoire pour déposer le dossier.") if field.get("required") else ""
    common = {
        "label": field["label"],
        "required": False,
        "help_text": " ".join(filter(None, [field.get("help", ""), str(required_hint)])),
    }
    attrs = {}
    if field.get("show_if"):
        attrs.update(
            {
                "data-show-if": field["show_if"]["field"],
                "data-show-if-value": _show_if_value(field["show_if"].get("equals")),
            }
        )
    if kind == "long_text":
        limit = field.get("max_length")
        if limit:
            attrs["data-max-length"] = limit
            common["help_text"] = " ".join(filter(None, [common["help_text"], f"{limit} caractères au maximum."]))
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 6, **attrs}), **common)
    if kind == "choice":
        return forms.ChoiceField(
            choices=[("", "—"), *[(c, c) for c in field["choices"]]], widget=forms.Select(attrs=attrs), **common
        )
    if kind == "multiple_choice":
        return forms.MultipleChoiceField(
            choices=[(c, c) for c in field["choices"]], widget=forms.CheckboxSelectMultiple(attrs=attrs), **common
        )
    if kind == "yes_no":
        return forms.ChoiceField(
            choices=[("true", _("Oui")), ("false", _("Non"))], widget=forms.RadioSelect(attrs=attrs), **common
        )
    input_types = {
        "date": "date",
        "email": "email",
        "url": "url",
        "integer": "text",
        "amount": "text",
        "percentage": "text",
    }
    if kind in ("amount", "percentage", "integer"):
        attrs["inputmode"] = "decimal" if kind != "integer" else "numeric"
    widget = forms.TextInput(attrs=attrs)
    widget.input_type = input_types.get(kind, "text")
    return forms.CharField(widget=widget, **common)


def _show_if_value(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def answers_as_initial(section: dict, answers: dict) -> dict:
    initial = {}
    for field in section["fields"]:
        value = answers.get(field["key"])
        if field["kind"] == "yes_no" and isinstance(value, bool):
            value = "true" if value else "false"
        initial[field["key"]] = value
    return initial


def raw_section_answers(section: dict, form: forms.Form) -> dict:
    """The submitted values of the section's fields, as `clean_answers` reads them."""
    raw = {}
    for field in section["fields"]:
        name = f"{form.prefix}-{field['key']}"
        if field["kind"] == "multiple_choice":
            raw[field["key"]] = form.data.getlist(name)
        else:
            raw[field["key"]] = form.data.get(name, "")
    return raw


class ComplementRequestForm(forms.Form):
    """Staff tick the parts to reopen and write what is expected for each."""

    message = forms.CharField(label=_("Ce qui est attendu"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    parts = forms.MultipleChoiceField(label=_("Parties à rouvrir"), widget=forms.CheckboxSelectMultiple)
    due_at = DateTimeInputField(
        label=_("À rendre avant le"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, dossier, **kwargs):
        super().__init__(*args, **kwargs)
        from applications.selectors import dossier_required_documents

        schema = dossier.form_definition.schema if dossier.form_definition else {"sections": []}
        choices = [("project", _("Projet et partenaires")), ("budget", _("Budget"))]
        choices += [(f"section:{s['key']}", s["title"]) for s in schema.get("sections", [])]
        choices += [(f"document:{d.kind}", f"Pièce : {d.label}") for d in dossier_required_documents(dossier)]
        self.fields["parts"].choices = choices

    def points(self) -> list[dict]:
        message = self.cleaned_data["message"]
        points = []
        for part in self.cleaned_data["parts"]:
            kind, _, key = part.partition(":")
            point = {"message": message}
            point.update({"project": {"project": True}, "budget": {"budget": True}}.get(kind, {}))
            if kind == "section":
                point["section"] = key
            if kind == "document":
                point["document"] = key
            points.append(point)
        return points


class DerogationForm(forms.Form):
    """A derogation decided on a dossier, as staff copy it from the deciding body's minutes."""

    rate_percent = RateField(
        label=_("Taux dérogatoire accordé (%)"),
        required=True,
        help_text=_("Au-dessus du taux normal de la règle et au plus son taux maximal de dérogation."),
    )
    deciding_body = forms.CharField(label=_("Instance qui a décidé"), max_length=255)
    decided_on = DateInputField(
        label=_("Date de la décision"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.CharField(
        label=_("Motif de la dérogation"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class DerogationWithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Pourquoi la dérogation est-elle retirée ?"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PlannedMilestoneForm(forms.Form):
    label = forms.CharField(label=_("Jalon ou livrable"), max_length=255, required=False)
    month = IntegerInputField(
        label=_("Mois après le début"), required=False, min_value=1, max_value=120, help_text=_("1 = premier mois.")
    )
    deliverable = forms.CharField(label=_("Livrable attendu"), max_length=2000, required=False)


PlannedMilestoneFormSet = forms.formset_factory(PlannedMilestoneForm, extra=2, max_num=24, validate_max=True)


class ProjectPhaseForm(forms.Form):
    phase_id = IntegerInputField(required=False, min_value=1, widget=forms.HiddenInput)
    label = forms.CharField(label=_("Phase"), max_length=255, required=False)
    requested_amount = AmountInputField(label=_("Montant demandé (€)"), required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    milestones = forms.CharField(
        label=_("Jalons de la phase"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Un par ligne : « mois ; jalon ; livrable », par exemple « 6 ; Pilote en service ; rapport »."),
    )

    def clean_milestones(self) -> list[dict]:
        """Lines « month ; label ; deliverable » (month and deliverable optional) as {label, month, deliverable}."""
        rows = []
        for number, line in enumerate((self.cleaned_data.get("milestones") or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split(";")]
            month = None
            if len(parts) > 1 and re.fullmatch(r"[0-9]{1,3}", parts[0]):
                month = int(parts.pop(0))
            if month is not None and not 1 <= month <= 120:
                raise forms.ValidationError(_("Ligne %(number)s : le mois va de 1 à 120.") % {"number": number})
            rows.append({"label": parts[0], "month": month, "deliverable": "; ".join(parts[1:])})
        return rows


ProjectPhaseFormSet = forms.formset_factory(ProjectPhaseForm, extra=1, max_num=12, validate_max=True)
