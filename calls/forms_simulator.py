"""Forms of the public co-financing simulator: the dossier's context and its cost lines.

They only parse what a visitor types (GET querystring, so the URL can be shared); every
business judgement is left to `calls.rules.evaluate`, which turns it into violations.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from calls.rules import (
    COST_CATEGORIES,
    FUNDING_SOURCES,
    ORGANISATION_KINDS,
    SESSION_KINDS,
    TAG_LABELS,
    CostLine,
    Rule,
)
from calls.rules.config import tag_label
from portal.fields import AmountInputField, DecimalInputField, YearInputField

DEFAULT_LINES = 5
# A shared URL is typed by people: keep the page usable and the engine fast.
MAX_LINES = 100
LINES_PREFIX = "lignes"


def _choices(labels: dict[str, str], empty: str | None = None) -> list[tuple[str, str]]:
    head = [("", empty)] if empty is not None else []
    return head + [(code, label[:1].upper() + label[1:]) for code, label in labels.items()]


def _error_sentences(form: forms.Form, subject: str = "") -> list[str]:
    """« Ligne 2 « Licence » — Montant : Le montant ne peut pas être négatif. » for each error."""
    sentences = []
    for name, errors in form.errors.items():
        label = str(form.fields[name].label) if name in form.fields else ""
        where = " — ".join(filter(None, [subject, label]))
        sentences.extend(f"{where} : {error}" if where else str(error) for error in errors)
    return sentences


class EuroField(AmountInputField):
    """An optional amount, under 1 000 milliards d'euros, as French people type it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


class RateField(DecimalInputField):
    """An optional percentage, from 0 to 100, two decimals at most."""

    default_error_messages = {
        "invalid": _("Saisissez un taux en pourcentage, par exemple 80."),
        "min_value": _("Le taux ne peut pas être négatif."),
        # A bare « % » here would break Django's %-formatting of the message (a 500 in the simulator).
        "max_value": _("Le taux ne peut pas dépasser %(limit_value)s %%."),
        "max_decimal_places": _("Le taux se saisit avec deux décimales au plus."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(min_value=Decimal("0"), max_value=Decimal("100"), decimal_places=2, **kwargs)


class SimulatorForm(forms.Form):
    """Who applies and in which context; fields the rule does not use are dropped, unless
    `all_fields` (staff try a rule while they write it: every context may matter)."""

    carrier_kind = forms.ChoiceField(
        label=_("Type d'organisation porteuse"),
        choices=_choices(ORGANISATION_KINDS, _("— Choisir —")),
        error_messages={
            "required": _("Choisissez le type d'organisation porteuse."),
            "invalid_choice": _("Type d'organisation inconnu."),
        },
    )
    session_kind = forms.ChoiceField(
        label=_("Type de session (facultatif)"),
        choices=_choices(SESSION_KINDS, _("— Non précisé —")),
        required=False,
        error_messages={"invalid_choice": _("Type de session inconnu.")},
    )
    previous_grants = EuroField(
        label=_("Aides déjà accordées au même projet (€, facultatif)"),
        help_text=_("Montant obtenu par les dossiers précédents du même projet (phases antérieures)."),
    )
    derogation_rate = RateField(
        label=_("Taux dérogatoire envisagé (%, facultatif)"),
        help_text=_("Une hypothèse pour voir son effet : seule l'instance de décision peut accorder une dérogation."),
    )

    def __init__(self, *args, rule: Rule, all_fields: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule = rule
        if all_fields:
            return
        if not rule.size_depends_on_session_kind():
            del self.fields["session_kind"]
        else:
            # The expected size depends on it (ITN5): without it the size cannot be judged.
            session_kind = self.fields["session_kind"]
            session_kind.required = True
            session_kind.label = _("Type de session")
            session_kind.choices = _choices(SESSION_KINDS, _("— Choisir —"))
            session_kind.error_messages["required"] = _(
                "Choisissez le type de session : la taille attendue du projet en dépend."
            )
        if rule.cap_per_project is None:
            del self.fields["previous_grants"]
        if not rule.derogation_allowed:
            del self.fields["derogation_rate"]
        else:
            self.fields["derogation_rate"].help_text = _(
                "Une hypothèse pour voir son effet : seul %(authority)s peut accorder une dérogation."
            ) % {"authority": rule.derogation_decider()}

    def error_sentences(self) -> list[str]:
        return _error_sentences(self)

    def engine_options(self) -> dict:
        """Keyword arguments of `evaluate` beside the rule and the lines (form must be valid)."""
        data = self.cleaned_data
        return {
            "carrier_kind": data["carrier_kind"],
            "session_kind": data.get("session_kind") or None,
            "previous_grants": data.get("previous_grants") or Decimal("0"),
            "derogation_rate": data.get("derogation_rate"),
        }


class CostLineForm(forms.Form):
    """One budget line; a line left without label nor amount is ignored."""

    label = forms.CharField(label=_("Libellé"), max_length=200, required=False)
    year = YearInputField(label=_("Année"), required=False)
    category = forms.ChoiceField(
        label=_("Catégorie"),
        required=False,
        choices=_choices(COST_CATEGORIES, _("— Choisir —")),
        error_messages={"invalid_choice": _("Catégorie de dépense inconnue.")},
    )
    # The carrier comes first: a line added without JS has no value yet and shows the first choice.
    source = forms.ChoiceField(
        label=_("Financée par"),
        required=False,
        initial="carrier",
        choices=sorted(_choices(FUNDING_SOURCES), key=lambda choice: choice[0] != "carrier"),
        error_messages={"invalid_choice": _("Source de financement inconnue.")},
    )
    cofinancer_name = forms.CharField(label=_("Nom du co-financeur"), max_length=200, required=False)
    amount = EuroField(label=_("Montant (€)"))
    in_kind = forms.BooleanField(label=_("Apport en nature"), required=False)
    tags = forms.MultipleChoiceField(
        label=_("Précisions"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Précision inconnue.")},
    )

    def __init__(self, *args, tags: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        if tags:
            self.fields["tags"].choices = [(tag, tag_label(tag).capitalize()) for tag in tags]
        else:
            del self.fields["tags"]

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("label") and data.get("amount") is None

    def clean(self):
        data = super().clean()
        if data.get("amount") is not None and not data.get("category") and "category" not in self.errors:
            self.add_error("category", _("Choisissez la catégorie de la dépense."))
        if (data.get("label") or data.get("category")) and data.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", _("Saisissez le montant de la ligne."))
        return data

    def cost_line(self) -> CostLine:
        data = self.cleaned_data
        return CostLine(
            label=data["label"],
            amount=data["amount"],
            category=data["category"],
            year=data.get("year"),
            source=data.get("source") or "carrier",
            cofinancer_name=data.get("cofinancer_name", ""),
            in_kind=data.get("in_kind", False),
            tags=frozenset(data.get("tags") or ()),
        )


class BaseCostLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, rule: Rule, all_tags: bool = False, **kwargs):
        used = rule.eligible_tags | rule.excluded_tags | rule.excluded_in_kind_tags
        self.tags = sorted(used | set(TAG_LABELS)) if all_tags else sorted(used)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "tags": self.tags}

    def error_sentences(self) -> list[str]:
        """Every line's errors in line order, each naming its line (« Ligne 2 « Licence » »)."""
        sentences = []
        for number, form in enumerate(self.forms, start=1):
            label = (form.data.get(form.add_prefix("label")) or "").strip()
            subject = (
                _("Ligne %(number)s « %(label)s »") % {"number": number, "label": label[:60]}
                if label
                else _("Ligne %(number)s") % {"number": number}
            )
            sentences.extend(_error_sentences(form, subject))
        return sentences

    def cost_lines(self) -> list[CostLine]:
        """The filled lines, as the engine reads them (formset must be valid)."""
        return [form.cost_line() for form in self.forms if not form.is_blank]


CostLineFormSet = formset_factory(
    CostLineForm,
    formset=BaseCostLineFormSet,
    extra=0,
    max_num=MAX_LINES,
    absolute_max=MAX_LINES,
    validate_max=False,
)
