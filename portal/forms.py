from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import Organisation, OrganisationKind
from portal.validators import validate_siret


class OrganisationCreateForm(forms.Form):
    name = forms.CharField(label=_("Nom de l'organisation"), max_length=255)
    kind = forms.ChoiceField(label=_("Type d'organisation"), choices=OrganisationKind.choices)
    siret = forms.CharField(
        label=_("SIRET (facultatif)"),
        max_length=17,
        required=False,
        help_text=_("14 chiffres, espaces acceptés. Exemple : 130 025 265 00013"),
        validators=[lambda value: validate_siret(value.replace(" ", ""))],
    )
    parent_ministry = forms.CharField(label=_("Ministère de rattachement (facultatif)"), max_length=255, required=False)


class OrganisationJoinForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.all(),
        error_messages={"invalid_choice": _("Cette organisation n'existe pas.")},
    )


class OrganisationSearchForm(forms.Form):
    q = forms.CharField(label=_("Rechercher une organisation (nom ou SIRET)"), required=False, max_length=100)


class MembershipRefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus (transmis au demandeur)"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class OrganisationDomainForm(forms.Form):
    domain = forms.CharField(
        label=_("Domaine de messagerie de l'organisation"),
        max_length=253,
        help_text=_(
            "Exemple : interieur.gouv.fr. Une adresse vérifiée sur ce domaine rejoint l'organisation sans attendre. "
            "Les domaines partagés (gouv.fr, messageries grand public) sont refusés."
        ),
    )


class MemberRemoveForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif (facultatif, transmis à la personne retirée)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OrganisationReviewFilterForm(forms.Form):
    CREATED_WITHIN = [("", _("Depuis toujours")), ("7", _("7 derniers jours")), ("30", _("30 derniers jours"))]

    q = forms.CharField(label=_("Nom ou SIRET"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("Tous"))] + OrganisationKind.choices)
    created_within = forms.ChoiceField(label=_("Créée"), required=False, choices=CREATED_WITHIN)
    pending_only = forms.BooleanField(label=_("Avec des demandes d'adhésion en attente"), required=False)


class MembershipRequestFilterForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("Organisation"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", _("Toutes"))] + [(o.pk, o.name) for o in organisations]
