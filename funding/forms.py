"""Forms of the funding pages: they parse input; services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.workflow import DossierState
from calls.choices import session_choices
from funding.models import Convention, Tranche
from portal.fields import AmountInputField, DateInputField, IntegerInputField
from portal.idempotency import IdempotentForm

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PortfolioFilterForm(forms.Form):
    q = forms.CharField(label=_("Recherche"), required=False, help_text=_("Numéro, acronyme, titre ou porteur"))
    programme = forms.TypedChoiceField(label=_("Programme"), required=False, coerce=int, empty_value=None)
    theme = forms.TypedChoiceField(label=_("Thème"), required=False, coerce=int, empty_value=None)
    session = forms.TypedChoiceField(label=_("Session"), required=False, coerce=int, empty_value=None)
    convention = forms.ChoiceField(label=_("Convention"), required=False)
    etat = forms.ChoiceField(label=_("État du projet"), required=False)

    def __init__(self, *args, programmes=(), sessions=(), **kwargs):
        """`sessions`: those of `programmes`, each with its theme loaded."""
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", _("Tous"))] + [(p.pk, p.name) for p in programmes]
        themes = {session.theme_id: session.theme for session in sessions}
        self.fields["theme"].choices = [("", _("Tous"))] + [(t.pk, f"{t.code} — {t.title}") for t in themes.values()]
        self.fields["session"].choices = session_choices(sessions, empty_label=_("Toutes"))
        self.fields["convention"].choices = [
            ("", _("Tous")),
            ("none", _("Pas encore générée")),
            ("signed", _("Signée (montant engagé)")),
        ] + [choice for choice in Convention.Status.choices if choice[0] != Convention.Status.SUPERSEDED]
        self.fields["etat"].choices = [("", _("Tous"))] + [
            (state, DossierState(state).label)
            for state in (DossierState.SELECTED, DossierState.CONVENTION, DossierState.IN_PROGRESS, DossierState.CLOSED)
        ]


class CarrierSignatureForm(forms.Form):
    signed_file = forms.FileField(
        label=_("Convention signée (PDF)"),
        required=False,
        help_text=_("PDF signé, 20 Mo au plus. Ou cochez l'approbation en ligne ci-dessous."),
    )
    approve = forms.BooleanField(label=_("J'approuve la convention au nom du porteur"), required=False)


class MilestoneDeclareForm(forms.Form):
    note = forms.CharField(label=_("Ce qui a été réalisé"), widget=forms.Textarea(attrs={"rows": 4}))
    evidence = forms.FileField(
        label=_("Pièce justificative"), required=False, help_text=_("PDF, OpenDocument ou Office, 20 Mo au plus.")
    )


class MilestoneReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Décision"),
        widget=forms.RadioSelect,
        choices=[("validate", _("Valider le jalon")), ("refuse", _("Refuser le jalon"))],
    )
    reason = forms.CharField(
        label=_("Motif (obligatoire en cas de refus)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class PaymentForm(IdempotentForm):
    paid_on = DateInputField(label=_("Date du paiement"), widget=DATE_WIDGET)
    amount = AmountInputField(label=_("Montant (€)"))
    reference = forms.CharField(
        label=_("Référence dans le système financier"),
        max_length=100,
        help_text=_("Numéro du mandat ou du virement ; une référence ne s'enregistre qu'une fois par projet."),
    )


class IndicatorReportForm(forms.Form):
    """One field per indicator of the theme, plus the period and a comment."""

    period = forms.ChoiceField(label=_("Période"))
    comment = forms.CharField(label=_("Commentaire"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, periods=(), indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(start.isoformat(), label) for start, label in periods]
        self.indicator_keys = []
        for indicator in indicators:
            self.fields[indicator["key"]] = forms.CharField(label=indicator["label"], max_length=500)
            self.indicator_keys.append(indicator["key"])

    def indicator_fields(self):
        return [self[key] for key in self.indicator_keys]


class FinalReportForm(forms.Form):
    summary = forms.CharField(label=_("Bilan du projet"), widget=forms.Textarea(attrs={"rows": 6}))
    spent_amount = AmountInputField(label=_("Dépenses réalisées (€)"))


class ConventionTemplateForm(forms.Form):
    title = forms.CharField(label=_("Titre de la convention"), max_length=255)
    body = forms.CharField(
        label=_("Clauses"),
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_("HTML simple (p, ul, li, strong). Variables entre doubles accolades, par exemple {{ montant }}."),
    )


class TrancheForm(forms.Form):
    label = forms.CharField(label=_("Libellé"), max_length=255)
    amount = AmountInputField(label=_("Montant (€)"))
    condition = forms.ChoiceField(label=_("Condition"), choices=Tranche.Condition.choices)
    milestone = forms.TypedChoiceField(label=_("Jalon"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, milestones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].choices = [("", "—")] + [(milestone.pk, milestone.label) for milestone in milestones]


TrancheFormSet = forms.formset_factory(TrancheForm, extra=1, can_delete=True)


class ReminderPreferencesForm(forms.Form):
    wanted = forms.MultipleChoiceField(
        label=_("Relances que je souhaite recevoir par e-mail"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, families=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wanted"].choices = list(families)


class ConventionDatesForm(forms.Form):
    in_force_on = DateInputField(
        label=_("Entrée en vigueur"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Laissez vide : la convention entre en vigueur à sa contresignature par l'opérateur."),
    )
    start_on = DateInputField(
        label=_("Début du projet"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Laissez vide : le projet débute à l'entrée en vigueur."),
    )
    duration_months = IntegerInputField(label=_("Durée (mois)"), min_value=1, max_value=120)
    advance = AmountInputField(label=_("Avance à la signature (€)"), initial=0)
    balance = AmountInputField(label=_("Solde sur rapport final (€)"), initial=0)


class MilestonePlanForm(forms.Form):
    milestone_id = IntegerInputField(required=False, min_value=1, widget=forms.HiddenInput)
    label = forms.CharField(label=_("Jalon"), max_length=255)
    due_on = DateInputField(label=_("Date prévue"), widget=DATE_WIDGET)
    deliverable = forms.CharField(
        label=_("Livrable attendu"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    amount = AmountInputField(
        label=_("Tranche libérée (€)"),
        required=False,
        help_text=_("Versée une fois le jalon validé ; 0 ou vide : le jalon ne libère pas de tranche."),
    )


MilestonePlanFormSet = forms.formset_factory(MilestonePlanForm, extra=2, can_delete=True, max_num=30, validate_max=True)


class ConditionLiftForm(forms.Form):
    note = forms.CharField(label=_("Ce qui lève la condition"), widget=forms.Textarea(attrs={"rows": 4}))
    evidence = forms.FileField(
        label=_("Pièce justificative"), required=False, help_text=_("PDF, OpenDocument ou Office, 20 Mo au plus.")
    )
