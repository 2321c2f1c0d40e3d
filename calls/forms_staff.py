"""Forms of the staff back-office. They only parse input: services hold every rule.

Model forms here reuse the models' labels and widgets but skip model validation
(`_post_clean`), so that a rule is checked once, by the service, with its French message.
"""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from calls.formschema import FIELD_KINDS, iter_fields
from calls.models import (
    Call,
    CallKind,
    Criterion,
    FormStep,
    InfoSession,
    MilestoneTemplate,
    Phase,
    Programme,
    RequiredDocument,
    Session,
    Theme,
)
from portal.deadlines import DeadlineField
from portal.fields import DateTimeInputField, IntegerInputField, ModelForm
from portal.uploads import SUPPORTED_FORMATS

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class LinesField(forms.CharField):
    """A list of strings typed one per line (objectives, formats, choices…)."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class ParisDateTimeField(DateTimeInputField):
    """A native date-time picker; the typed time is Paris time (the site's time zone)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", [DATETIME_FORMAT, "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M"])
        kwargs.setdefault("help_text", _("Heure de Paris."))
        super().__init__(**kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ServiceModelForm(ModelForm):
    """A model form whose instance is never touched: services validate and save. Numbers and dates are
    read by `portal.fields`, which also bounds integers to what the database stores (model validation is skipped)."""

    def _post_clean(self):
        pass


class ProgrammeForm(ServiceModelForm):
    field_order = ["name", "slug"]
    owner_teams = LinesField(label=_("Équipes porteuses (une par ligne : DINUM, DITP…)"), required=False)

    class Meta:
        model = Programme
        fields = ["slug", *Programme.EDITABLE_FIELDS]
        help_texts = {
            "slug": _("Facultatif : formé à partir du nom sinon. Minuscules, chiffres et tirets ; il ne change plus."),
            "total_envelope": _("En euros ; les enveloppes des thèmes et des sessions s'y rapportent."),
            "grantor_siret": _("14 chiffres, vérifiés par leur clé ; publié avec le nom dans les données ouvertes."),
            "source": _("Le texte qui crée le programme (décret, convention, livret)."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        if self.instance.pk:
            del self.fields["slug"]  # public addresses use it


class ProgrammeRoleForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail du compte"))
    role = forms.ChoiceField(
        label=_("Rôle sur le programme"),
        choices=[
            ("programme_staff", _("Équipe du programme : configure les appels, instruit, délibère")),
            ("fund_operator", _("Opérateur financier : contresigne les conventions et verse les tranches")),
        ],
        widget=forms.RadioSelect,
    )


class CallForm(ServiceModelForm):
    steps = LinesField(
        label=_("Étapes (une par ligne ; pour un AMI : manifestation d'intérêt puis dossier)"), required=False
    )

    class Meta:
        model = Call
        fields = [
            "programme",
            "slug",
            "title",
            "kind",
            "owner_team",
            "description",
            "selection_process",
            "tax_basis",
            "steps",
            "second_step_invited_only",
            "source",
        ]
        help_texts = {
            "slug": _("Adresse publique de l'appel : minuscules, chiffres et tirets."),
            "kind": _(
                "Un appel à manifestation d'intérêt se dépose en deux étapes : ses sessions sont de ces deux types."
            ),
            "tax_basis": _(
                "Base des montants affichés. La règle de chaque thème a la sienne : la vérification avant "
                "publication signale une différence."
            ),
        }

    def __init__(self, *args, programmes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The programme and the public address stay as created.
            del self.fields["programme"]
            del self.fields["slug"]
        else:
            self.fields["programme"].queryset = programmes


class ThemeForm(ServiceModelForm):
    kinds = forms.MultipleChoiceField(
        label=_("Modes de dépôt"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            (CallKind.CALL_FOR_PROJECTS.value, CallKind.CALL_FOR_PROJECTS.label),
            (CallKind.OPEN_WINDOW.value, CallKind.OPEN_WINDOW.label),
        ],
    )
    objectives = LinesField(label=_("Objectifs (un par ligne)"), required=False)
    encouraged = LinesField(label=_("Pratiques encouragées (une par ligne)"), required=False)
    eligible_expenses = LinesField(label=_("Dépenses éligibles (une par ligne)"), required=False)
    examples = LinesField(label=_("Exemples de projets (un par ligne)"), required=False)
    commitments = LinesField(label=_("Engagements du porteur (un par ligne)"), required=False)
    support = LinesField(label=_("Accompagnement proposé (un par ligne)"), required=False)

    class Meta:
        model = Theme
        fields = [
            "code",
            "title",
            "summary",
            "kinds",
            "objectives",
            "encouraged",
            "eligible_expenses",
            "examples",
            "commitments",
            "support",
            "opening_date",
            "owner_team",
            "eligibility_text",
            "cofinancing_text",
            "envelope",
            "envelope_text",
            "project_size_min",
            "project_size_max",
            "project_size_text",
            "selection_process",
            "grouping_allowed",
            "grid_note",
            "order",
        ]
        widgets = {"opening_date": DateInput()}
        help_texts = {
            "code": _(
                "Court et stable (ITN5, SNAP2A) : il nomme le thème dans les dossiers, les exports et les imports."
            ),
            "cofinancing_text": _(
                "Le texte du cahier des charges, montré tel quel aux déposants. Le calcul, lui, suit la règle "
                "du thème (page « Règle de cofinancement »)."
            ),
            "eligibility_text": _(
                "Montré tel quel ; les types de porteurs admis ou exclus se règlent dans la règle du thème."
            ),
            "envelope": _("Montant total réservé au thème, en euros ; une session peut avoir sa propre part."),
            "project_size_min": _("Affichée aux déposants ; la taille vérifiée est celle de la règle du thème."),
            "project_size_max": _("Affichée aux déposants ; la taille vérifiée est celle de la règle du thème."),
            "grouping_allowed": _("Affiché aux déposants ; la règle du thème (rubrique « Porteurs ») décide."),
            "grid_note": _("Une phrase sur la grille, affichée au-dessus d'elle (par exemple sa source)."),
        }


class ThemeDuplicateForm(forms.Form):
    code = forms.CharField(label=_("Code du nouveau thème"), max_length=32)
    title = forms.CharField(label=_("Titre (facultatif : celui du thème copié sinon)"), max_length=255, required=False)


class SessionForm(ServiceModelForm):
    opens_at = ParisDateTimeField(label=_("Ouverture"))
    closes_at = ParisDateTimeField(
        label=_("Clôture"),
        help_text=_("Heure de Paris. Aucun dépôt n'est accepté à partir de cette minute, même commencé avant."),
    )

    class Meta:
        model = Session
        fields = list(Session.EDITABLE_FIELDS)
        widgets = {"jury_on": DateInput(), "note": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "key": _("Facultatif : formé à partir du nom et de l'ouverture, par exemple « aap-2027-03 »."),
            "kind": _(
                "Appel à projets ou guichet : la taille attendue du projet peut en dépendre (règle du thème). "
                "Manifestation d'intérêt puis dossier complet pour un appel en deux étapes."
            ),
            "envelope": _("Facultatif : la part de l'enveloppe du thème réservée à cette session."),
            "project_size_min": _("Affichée aux déposants ; la règle de cofinancement du thème est celle qui juge."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].required = False


class CriterionForm(ServiceModelForm):
    class Meta:
        model = Criterion
        fields = [
            "code",
            "label",
            "definition",
            "weight",
            "scale_min",
            "scale_max",
            "step",
            "threshold",
            "allows_not_applicable",
            "order",
        ]
        widgets = {"definition": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "weight": _(
                "Poids du critère dans la note totale, relatif aux autres critères de la grille (sa part du total "
                "est affichée dans la grille). Un sous-critère pèse dans son critère parent."
            ),
            "threshold": _(
                "Facultatif : une note inférieure signale le dossier au classement, quel que soit le total."
            ),
            "step": _("Écart entre deux notes possibles : 1 pour des notes entières, 0,5 pour des demi-points."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A weight is stated by staff, never left to a default they did not see.
        self.fields["weight"].initial = None
        self.fields["weight"].required = True


# The kinds of documents the source calls ask for; « autre » lets staff name another one.
DOCUMENT_KINDS = {
    "acte-candidature": _("Acte de candidature signé"),
    "fiche-identification": _("Fiche d'identification du porteur"),
    "fiche-synthese": _("Fiche de synthèse du projet"),
    "presentation-projet": _("Présentation détaillée du projet"),
    "presentation-communication": _("Présentation à vocation de communication"),
    "fiche-financement": _("Plan de financement"),
    "lettre-engagement": _("Lettre d'engagement"),
    "attestation-cofinanceurs": _("Attestations des co-financeurs"),
    "actes-engagement-partenaires": _("Actes d'engagement des partenaires"),
    "fiche-partenaire": _("Fiche partenaire"),
    "annexes-techniques": _("Annexes techniques"),
}
OTHER_KIND = "autre"


class RequiredDocumentForm(ServiceModelForm):
    kind = forms.ChoiceField(
        label=_("Type de pièce"),
        choices=[*DOCUMENT_KINDS.items(), (OTHER_KIND, _("Autre (précisez ci-dessous)"))],
        help_text=_("Une pièce du même type demandée par un thème remplace celle de l'appel pour ce thème."),
    )
    other_kind = forms.SlugField(
        label=_("Autre type : son identifiant"),
        required=False,
        max_length=64,
        help_text=_("Seulement pour « Autre » : minuscules, chiffres et tirets, par exemple « etude-impact »."),
    )
    formats = forms.MultipleChoiceField(
        label=_("Formats acceptés"),
        choices=[(extension, extension.upper()) for extension in SUPPORTED_FORMATS],
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Chaque fichier est vérifié d'après son contenu, pas seulement son nom ; les macros sont refusées."
        ),
        error_messages={"required": _("Cochez au moins un format accepté.")},
    )

    class Meta:
        model = RequiredDocument
        fields = RequiredDocument.EDITABLE_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "max_size_mb": _(
                "Vide : la limite générale du portail. La portée dit si elle vaut par fichier ou pour tout le dossier."
            ),
            "max_pages": _("Indicatif : rappelé au déposant, non vérifié dans le fichier."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.instance.kind if self.instance.pk else ""
        if kind and kind not in DOCUMENT_KINDS:
            self.initial.update(kind=OTHER_KIND, other_kind=kind)
        # A document stored with another format than the list proposes keeps it.
        known = {extension for extension, _label in self.fields["formats"].choices}
        extra = [(extension, extension.upper()) for extension in self.instance.formats or [] if extension not in known]
        self.fields["formats"].choices += extra
        # Only a two-step call asks documents at the expression of interest: by default, the full dossier.
        self.fields["step"].required = False

    def clean(self):
        data = super().clean()
        data["step"] = data.get("step") or FormStep.DOSSIER
        if data.get("kind") == OTHER_KIND:
            if not data.get("other_kind"):
                self.add_error("other_kind", _("Donnez l'identifiant de ce type de pièce."))
            else:
                data["kind"] = data["other_kind"]
        data.pop("other_kind", None)
        return data


class PhaseForm(ServiceModelForm):
    class Meta:
        model = Phase
        fields = ["key", "label", "description", "order"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            del self.fields["order"]  # a new phase is placed last


class MilestoneForm(ServiceModelForm):
    class Meta:
        model = MilestoneTemplate
        fields = ["phase", "key", "label", "description", "order"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, theme: Theme, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A milestone stays in its phase; a new one is placed last.
            del self.fields["phase"]
        else:
            self.fields["phase"].queryset = theme.phases.all()
            del self.fields["order"]


class InfoSessionForm(ServiceModelForm):
    starts_at = ParisDateTimeField(label=_("Début"))
    ends_at = ParisDateTimeField(label=_("Fin"))
    remote_link = forms.URLField(label=_("Lien de participation à distance"), required=False, assume_scheme="https")

    class Meta:
        model = InfoSession
        fields = [
            "title",
            "description",
            "starts_at",
            "ends_at",
            "place",
            "address",
            "remote_link",
            "capacity",
            "registration_open",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


# --- form builder -----------------------------------------------------------------------


class FormSectionForm(forms.Form):
    key = forms.CharField(
        label=_("Identifiant de la section"),
        max_length=64,
        help_text=_("Minuscules, chiffres et _, par exemple « projet »."),
    )
    title = forms.CharField(label=_("Titre de la section"), max_length=255)
    description = forms.CharField(
        label=_("Texte d'introduction"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class FormFieldForm(forms.Form):
    section_key = forms.ChoiceField(label=_("Section"))
    key = forms.CharField(
        label=_("Identifiant du champ"),
        max_length=64,
        help_text=_("Minuscules, chiffres et _, par exemple « montant_demande »."),
    )
    label = forms.CharField(label=_("Libellé"), max_length=500)
    kind = forms.ChoiceField(label=_("Type de champ"), choices=list(FIELD_KINDS.items()))
    required = forms.BooleanField(label=_("Réponse obligatoire"), required=False)
    help = forms.CharField(label=_("Aide"), required=False, max_length=1000)
    max_length = IntegerInputField(label=_("Nombre de caractères maximal"), required=False, min_value=1)
    choices = LinesField(label=_("Choix proposés (un par ligne, pour les champs à choix)"), required=False)
    show_if_field = forms.ChoiceField(label=_("Afficher seulement si le champ…"), required=False)
    show_if_equals = forms.CharField(
        label=_("… vaut (pour un champ oui / non : « oui » ou « non »)"), required=False, max_length=255
    )

    def __init__(self, *args, schema: dict, editing: str = "", **kwargs):
        """`editing`: key of the field being changed; its section and key then stay as they are."""
        super().__init__(*args, **kwargs)
        self.fields["section_key"].choices = [
            (s["key"], s.get("title") or s["key"]) for s in schema.get("sections", [])
        ]
        self.fields["show_if_field"].choices = [("", _("(toujours afficher)"))] + [
            (field["key"], f"{field.get('label') or field['key']} ({field['key']})")
            for _, field in iter_fields(schema)
            if field["key"] != editing
        ]
        if editing:
            del self.fields["section_key"]
            del self.fields["key"]

    @staticmethod
    def initial_of(field: dict) -> dict:
        """Initial values to edit an existing field of a definition."""
        condition = field.get("show_if") or {}
        equals = condition.get("equals", "")
        return {
            **{name: field.get(name) for name in ("label", "kind", "required", "help", "max_length", "choices")},
            "show_if_field": condition.get("field", ""),
            "show_if_equals": "oui" if equals is True else "non" if equals is False else equals,
        }


class FormSchemaForm(forms.Form):
    schema = forms.CharField(label=_("Définition JSON du formulaire"), widget=forms.Textarea(attrs={"rows": 18}))

    def clean_schema(self):
        try:
            return json.loads(self.cleaned_data["schema"])
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("JSON invalide (ligne %(line)s) : vérifiez les virgules et les guillemets."),
                params={"line": error.lineno},
            ) from error


class SessionCloseChangeForm(forms.Form):
    """The new close of an open session (extended or brought forward) and why: both go to the carriers."""

    closes_at = DeadlineField(label=_("Nouvelle clôture (jj/mm/aaaa ou jj/mm/aaaa hh:mm)"))
    reason = forms.CharField(
        label=_("Motif, communiqué aux porteurs qui ont un brouillon"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, early: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if early:
            self.fields["closes_at"].required = False
            self.fields["closes_at"].label = _("Clôture (vide : maintenant)")
