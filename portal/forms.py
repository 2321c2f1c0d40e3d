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
