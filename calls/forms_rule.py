"""The form staff fill to state a theme's co-financing and eligibility rule, notion by notion.

It covers every key of `calls.rules.Rule` with a French label and the help a programme team
needs; it only parses what is typed, then `RuleEditor.rule()` lets the rule's own validation
judge the whole and places each of its problems on the field it concerns, all at once.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from calls.forms_simulator import EuroField, RateField
from calls.rules import COST_CATEGORIES, ORGANISATION_KINDS, SESSION_KINDS, TAG_LABELS, TAX_BASES, Rule, RuleConfigError
from calls.rules.config import tag_label
from portal.fields import check_year

SIZE_PREFIX = "tailles"
CHECK_PREFIX = "verifications"
# How a row of each list is named on the page and in the summary of errors.
ROW_TITLES = {"sizes": _("Fourchette n° %(n)s"), "checks": _("Vérification n° %(n)s")}
# Digits 0 to 9 only: Python's \d and int() also read other scripts' digits (see portal.fields).
_YEARS = re.compile(r"^\s*([0-9]{4})\s*(?:[-–à]+\s*([0-9]{4}))?\s*$")


def _labels(labels: dict[str, str]) -> list[tuple[str, str]]:
    return [(code, label[:1].upper() + label[1:]) for code, label in labels.items()]


def _kinds_field(label, help_text="") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        help_text=help_text,
        required=False,
        choices=_labels(ORGANISATION_KINDS),
        widget=forms.CheckboxSelectMultiple,
    )


def _tags_field(label, help_text) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, help_text=help_text, required=False, widget=forms.CheckboxSelectMultiple
    )


class YearsField(forms.CharField):
    """Years of eligible expenses typed as « 2021, 2022 » or « 2021-2022 »."""

    def prepare_value(self, value):
        if isinstance(value, (list, tuple, set, frozenset)):
            years = sorted(value)
            if years and years == list(range(years[0], years[-1] + 1)) and len(years) > 2:
                return f"{years[0]}-{years[-1]}"
            return ", ".join(str(year) for year in years)
        return value

    def to_python(self, value) -> list[int]:
        years: set[int] = set()
        for part in filter(None, (piece.strip() for piece in (value or "").split(","))):
            match = _YEARS.match(part)
            if not match:
                raise forms.ValidationError(
                    _("« %(part)s » n'est pas une année ni une période (écrivez 2021, 2022 ou 2021-2022)."),
                    params={"part": part},
                )
            first, last = int(match[1]), int(match[2] or match[1])
            check_year(first)
            check_year(last)
            if last < first:
                raise forms.ValidationError(_("La période « %(part)s » n'est pas plausible."), params={"part": part})
            years.update(range(first, last + 1))
        return sorted(years)


class RuleForm(forms.Form):
    """Every notion of the engine but the size ranges and the manual checks (formsets beside it)."""

    tax_basis = forms.ChoiceField(
        label=_("Montants exprimés"),
        choices=[(code, f"{code} ({label})") for code, label in TAX_BASES.items()],
        widget=forms.RadioSelect,
        help_text=_("Comme le cahier des charges : les budgets des dossiers sont saisis et jugés dans cette base."),
    )
    rate_percent = RateField(
        label=_("Taux de cofinancement du programme (%)"),
        required=True,
        help_text=_(
            "Part du coût éligible que le programme finance : 75 pour 75 %. Mettez 0 si le programme ne finance "
            "qu'une première tranche à 100 % (ci-dessous)."
        ),
    )
    rate_is_maximum = forms.BooleanField(
        label=_("Le taux est un maximum : le dossier peut demander moins"), required=False
    )
    full_funding_up_to = EuroField(
        label=_("Prise en charge à 100 % jusqu'à (€, facultatif)"),
        help_text=_("Par exemple ITN6 : 100 % jusqu'à 48 000 € TTC, puis le taux ci-dessus au-delà."),
    )
    cap_per_dossier = EuroField(label=_("Plafond de l'aide par dossier (€, facultatif)"))
    cap_per_project = EuroField(
        label=_("Plafond de l'aide par projet, toutes phases confondues (€, facultatif)"),
        help_text=_("Les aides déjà accordées aux dossiers précédents du même projet (phases) en sont déduites."),
    )
    cap_at_request = forms.BooleanField(
        label=_("L'aide ne dépasse jamais le montant demandé dans le dossier"), required=False
    )
    derogation_allowed = forms.BooleanField(
        label=_("Une dérogation au taux peut être accordée à titre exceptionnel"),
        required=False,
        help_text=_("PIA : le comité de pilotage peut dépasser 50 %, jamais les plafonds."),
    )
    derogation_ceiling_percent = RateField(
        label=_("Taux maximal d'une dérogation (%, facultatif)"),
        help_text=_("Vide : jusqu'à 100 %. Il doit dépasser le taux normal."),
    )
    derogation_authority = forms.CharField(
        label=_("Instance qui décide d'une dérogation"),
        required=False,
        max_length=255,
        help_text=_("Telle qu'une phrase la nomme : « le comité de pilotage du fonds »."),
    )
    eligible_categories = forms.MultipleChoiceField(
        label=_("Catégories de dépenses éligibles"),
        choices=_labels(COST_CATEGORIES),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins une catégorie de dépense éligible.")},
        help_text=_("Le personnel interne est le titre 2 ; les autres catégories sont des dépenses de titre 3."),
    )
    staff_in_carrier_share_only = forms.BooleanField(
        label=_("Le personnel interne (titre 2) ne compte que dans la part du porteur"),
        required=False,
        help_text=_(
            "Il entre dans le coût éligible (valorisation des T2 investis) mais le programme ne le paie pas. "
            "Le personnel interne doit alors être coché parmi les catégories éligibles."
        ),
    )
    counterpart_category = forms.ChoiceField(
        label=_("Contrepartie exigée du porteur en (facultatif)"),
        required=False,
        choices=[("", _("— Aucune —")), *_labels(COST_CATEGORIES)],
        help_text=_("SNAP2 : seul le titre 3 est financé, avec une contrepartie du porteur en titre 2."),
    )
    counterpart_min_percent = RateField(
        label=_("Contrepartie minimale (% du coût total, facultatif)"),
        help_text=_("Vide : une contrepartie d'un montant non nul suffit."),
    )
    eligible_years = YearsField(
        label=_("Années des dépenses éligibles (facultatif)"),
        required=False,
        help_text=_("« 2021, 2022 » ou « 2021-2022 ». Vide : toutes les années."),
    )
    eligible_tags = _tags_field(
        _("Seules comptent les dépenses de…"),
        _("Le déposant coche ces précisions sur chaque ligne de budget. Aucune cochée : toutes les dépenses comptent."),
    )
    excluded_tags = _tags_field(_("Dépenses exclues"), _("Une ligne qui porte l'une de ces précisions est exclue."))
    in_kind_eligible = forms.BooleanField(
        label=_("Les apports en nature sont valorisés dans le coût éligible"),
        required=False,
        help_text=_("Dans la part de qui les apporte ; le programme ne les paie jamais."),
    )
    excluded_in_kind_tags = _tags_field(
        _("Apports en nature exclus"), _("PIA : la valorisation de l'immobilier est exclue.")
    )
    allowed_carrier_kinds = _kinds_field(_("Porteurs admis"), _("Aucun coché : tous les types de porteur."))
    excluded_carrier_kinds = _kinds_field(_("Porteurs exclus"), _("ITN2 : les collectivités territoriales."))
    grouping_allowed = forms.BooleanField(label=_("Plusieurs porteurs peuvent se grouper"), required=False)
    size_on_total_cost = forms.TypedChoiceField(
        label=_("Taille du projet mesurée sur"),
        coerce=lambda value: value == "total",
        choices=[
            ("eligible", _("Le coût éligible")),
            ("total", _("Le coût total, y compris les dépenses exclues de l'aide (PIA : « coût total »)")),
        ],
        widget=forms.RadioSelect,
        initial="eligible",
    )
    source = forms.CharField(
        label=_("Texte source (facultatif)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Les phrases du cahier des charges ou du livret que la règle traduit, pour la relire."),
    )

    def __init__(self, *args, tags: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        tag_choices = [(tag, tag_label(tag)[:1].upper() + tag_label(tag)[1:]) for tag in tags]
        for name in ("eligible_tags", "excluded_tags", "excluded_in_kind_tags"):
            self.fields[name].choices = tag_choices

    def data_for_rule(self) -> dict:
        """The values read under the rule's keys; a field that could not be read is left out."""
        data = self.cleaned_data
        optional_amounts = ("full_funding_up_to", "cap_per_dossier", "cap_per_project")
        optional_rates = ("derogation_ceiling_percent", "counterpart_min_percent")
        values = {
            name: data[name]
            for name in (
                "tax_basis",
                "rate_is_maximum",
                "cap_at_request",
                "derogation_allowed",
                "derogation_authority",
                "eligible_categories",
                "staff_in_carrier_share_only",
                "eligible_years",
                "eligible_tags",
                "excluded_tags",
                "in_kind_eligible",
                "excluded_in_kind_tags",
                "allowed_carrier_kinds",
                "excluded_carrier_kinds",
                "grouping_allowed",
                "size_on_total_cost",
                "source",
            )
            if name in data
        }
        if data.get("rate_percent") is not None:
            values["rate_percent"] = str(data["rate_percent"])
        values.update({name: _text(data[name]) for name in (*optional_amounts, *optional_rates) if name in data})
        if "counterpart_category" in data:
            values["counterpart_category"] = data["counterpart_category"] or None
        return values

    @staticmethod
    def initial_of(rule: Rule) -> dict:
        data = rule.to_dict()
        data["size_on_total_cost"] = "total" if rule.size_on_total_cost else "eligible"
        return data


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class SizeRangeForm(forms.Form):
    minimum = EuroField(label=_("Minimum (€)"))
    maximum = EuroField(label=_("Maximum (€)"))
    minimum_exclusive = forms.BooleanField(
        label=_("Strictement plus que le minimum"), required=False, help_text=_("ITN8 : « plus de 250 k€ ».")
    )
    carrier_kinds = _kinds_field(_("Seulement pour les porteurs"), _("Aucun coché : tous les porteurs."))
    session_kinds = forms.MultipleChoiceField(
        label=_("Seulement pour les sessions"),
        help_text=_("ITN5 : de 100 000 à 1 000 000 € en appel à projets, de 10 000 à 100 000 € au guichet."),
        required=False,
        choices=_labels(SESSION_KINDS),
        widget=forms.CheckboxSelectMultiple,
    )

    def data_for_rule(self) -> dict:
        data = self.cleaned_data
        return {
            "minimum": _text(data["minimum"]),
            "maximum": _text(data["maximum"]),
            "minimum_exclusive": data["minimum_exclusive"],
            "carrier_kinds": data["carrier_kinds"],
            "session_kinds": data["session_kinds"],
        }


class ManualCheckForm(forms.Form):
    label = forms.CharField(
        label=_("Condition que l'équipe vérifie"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    carrier_kinds = _kinds_field(_("Seulement pour les porteurs"), _("Aucun coché : tous les porteurs."))
    code = forms.CharField(
        label=_("Code (facultatif)"),
        required=False,
        max_length=40,
        help_text=_("Majuscules, chiffres et _ ; généré à partir de la condition si vide."),
    )

    def data_for_rule(self) -> dict:
        data = self.cleaned_data
        code = data["code"].strip().upper() or slugify(data["label"]).upper().replace("-", "_")[:40] or "VERIFICATION"
        return {"code": code, "label": data["label"].strip(), "carrier_kinds": data["carrier_kinds"]}


class RuleNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Motif du changement (facultatif)"),
        required=False,
        max_length=500,
        help_text=_("Gardé avec la version : par exemple la décision du comité qui a changé la règle."),
    )


SizeRangeFormSet = forms.formset_factory(SizeRangeForm, extra=1, can_delete=True)
ManualCheckFormSet = forms.formset_factory(ManualCheckForm, extra=1, can_delete=True)


class RuleEditor:
    """The rule form and its two lists (size ranges, manual checks), judged together."""

    def __init__(self, data=None, *, rule: Rule | None = None, tax_basis: str = "TTC"):
        """`rule`: the rule shown first (the current version); `tax_basis`: the call's, for a first rule."""
        used = (rule.eligible_tags | rule.excluded_tags | rule.excluded_in_kind_tags) if rule else frozenset()
        # Tags are free in the engine: those of the rule stay offered beside the usual ones.
        tags = [*TAG_LABELS, *sorted(used - set(TAG_LABELS))]
        initial = (
            RuleForm.initial_of(rule)
            if rule is not None
            else {"tax_basis": tax_basis, "size_on_total_cost": "eligible"}
        )
        self.form = RuleForm(data, tags=tags, initial=initial)
        self.note = RuleNoteForm(data)
        self.sizes = SizeRangeFormSet(
            data, prefix=SIZE_PREFIX, initial=[size.to_dict() for size in rule.size_ranges] if rule else []
        )
        self.checks = ManualCheckFormSet(
            data, prefix=CHECK_PREFIX, initial=[check.to_dict() for check in rule.manual_checks] if rule else []
        )
        self._rule: Rule | None = None
        self._valid: bool | None = None

    def is_valid(self) -> bool:
        """Parse every field, then let the rule judge the whole; problems land on their fields."""
        if self._valid is None:
            self._valid = self._validate()
        return self._valid

    def _validate(self) -> bool:
        forms_valid = all([self.form.is_valid(), self.sizes.is_valid(), self.checks.is_valid(), self.note.is_valid()])
        # The rows typed without a field error; the rule judges them with every readable field,
        # so that its own problems come out with the form's, all at once.
        sizes = [form for form in self._kept(self.sizes) if not form.errors]
        checks = [form for form in self._kept(self.checks) if not form.errors]
        data = {
            **self.form.data_for_rule(),
            "size_ranges": [form.data_for_rule() for form in sizes],
            "manual_checks": [form.data_for_rule() for form in checks],
        }
        try:
            rule = Rule.from_dict(data)
        except RuleConfigError as error:
            for field, message in error.errors:
                if field not in self.form.errors:  # already said by the form, in its own words
                    self._place(field, message, sizes, checks)
            return False
        self._rule = rule
        return forms_valid

    def sections(self) -> list[dict]:
        """The page's fieldsets in order: legend, help, fields of the rule form, then rows of a list."""
        form = self.form
        return [
            {
                "legend": legend,
                "hint": hint,
                "fields": [form[name] for name in names],
                "rows": rows,
                "titled_rows": [(row % {"n": number}, each) for number, each in enumerate(rows or [], start=1)],
            }
            for legend, hint, names, rows, row in (
                (
                    _("Taux du programme"),
                    "",
                    ["tax_basis", "rate_percent", "rate_is_maximum", "full_funding_up_to"],
                    None,
                    "",
                ),
                (_("Plafonds de l'aide"), "", ["cap_per_dossier", "cap_per_project", "cap_at_request"], None, ""),
                (
                    _("Dérogation"),
                    "",
                    ["derogation_allowed", "derogation_ceiling_percent", "derogation_authority"],
                    None,
                    "",
                ),
                (
                    _("Dépenses prises en compte"),
                    "",
                    [
                        "eligible_categories",
                        "staff_in_carrier_share_only",
                        "counterpart_category",
                        "counterpart_min_percent",
                        "eligible_years",
                        "eligible_tags",
                        "excluded_tags",
                        "in_kind_eligible",
                        "excluded_in_kind_tags",
                    ],
                    None,
                    "",
                ),
                (_("Porteurs"), "", ["allowed_carrier_kinds", "excluded_carrier_kinds", "grouping_allowed"], None, ""),
                (
                    _("Taille attendue du projet"),
                    _(
                        "La première fourchette qui correspond au porteur et à la session s'applique ; une fourchette "
                        "sans condition placée en dernier vaut pour les autres cas. Une ligne vide est ignorée."
                    ),
                    ["size_on_total_cost"],
                    self.sizes,
                    ROW_TITLES["sizes"],
                ),
                (
                    _("Vérifications faites par l'équipe"),
                    _(
                        "Les conditions que seul un agent peut juger (population couverte, délai des résultats…) : "
                        "elles sont listées à l'instruction. Une ligne vide est ignorée."
                    ),
                    [],
                    self.checks,
                    ROW_TITLES["checks"],
                ),
                (_("Source"), "", ["source"], None, ""),
            )
        ]

    @property
    def rule(self) -> Rule:
        """The rule typed (after a successful `is_valid`)."""
        if self._rule is None:
            raise ValueError("RuleEditor.rule is read after a successful is_valid().")
        return self._rule

    @staticmethod
    def _kept(formset) -> list[forms.Form]:
        """Rows of the rule's list, in order: those shown filled or typed, unless marked for deletion."""
        initial = formset.initial_form_count()
        return [
            form
            for index, form in enumerate(formset.forms)
            if (index < initial or form.has_changed()) and not getattr(form, "cleaned_data", {}).get("DELETE")
        ]

    def _place(self, field: str, message: str, sizes: list, checks: list) -> None:
        match = re.match(r"^(size_ranges|manual_checks)\[(\d+)\]\.(\w+)$", field)
        if match:
            rows = sizes if match[1] == "size_ranges" else checks
            row, name = rows[int(match[2])], match[3]
            row.add_error(name if name in row.fields else None, _sentence(message))
        elif field in self.form.fields:
            self.form.add_error(field, _sentence(message))
        else:
            self.form.add_error(None, _sentence(message))

    def error_sentences(self) -> list[tuple[str, str]]:
        """Every problem as (label of where it is, message), in page order, for the summary."""
        found = []
        for name, errors in self.form.errors.items():
            label = str(self.form.fields[name].label) if name in self.form.fields else ""
            found += [(label, str(error)) for error in errors]
        for title, formset in ((ROW_TITLES["sizes"], self.sizes), (ROW_TITLES["checks"], self.checks)):
            for number, form in enumerate(formset.forms, start=1):
                for name, errors in form.errors.items():
                    where = title % {"n": number}
                    if name in form.fields:
                        where = f"{where} — {form.fields[name].label}"
                    found += [(where, str(error)) for error in errors]
        return found


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]
