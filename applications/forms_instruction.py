"""Forms of the instruction: groups, their members and routing rules, a dossier's routing, private annotations."""

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.models import InstructorGroup, Label
from calls.formschema import FIELD_KINDS, KEY_PATTERN
from calls.models import Theme
from portal.fields import AmountInputField
from portal.models import Role, User


class InstructorGroupForm(forms.Form):
    name = forms.CharField(label=_("Nom du groupe"), max_length=120)
    description = forms.CharField(
        label=_("Périmètre"), max_length=255, required=False, help_text=_("Thème, région, ministère…")
    )
    sees_all = forms.BooleanField(
        label=_("Groupe de pilotage : ses membres voient tous les dossiers du programme"), required=False
    )


class GroupMemberForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail d'un membre de l'équipe du programme"))

    def __init__(self, *args, group: InstructorGroup, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise forms.ValidationError(_("Aucun compte ne porte cette adresse."))
        self.cleaned_data["user"] = user
        return email


class RoutingRuleForm(forms.Form):
    theme = forms.ModelChoiceField(label=_("Thème"), queryset=Theme.objects.none(), required=False)
    answer_field = forms.SlugField(
        label=_("Champ du formulaire"),
        max_length=80,
        required=False,
        help_text=_("Sa clé, par exemple « region »."),
    )
    answer_value = forms.CharField(label=_("Réponse attendue"), max_length=255, required=False)
    amount_min = AmountInputField(
        label=_("Montant demandé minimal (€)"), required=False, help_text=_("Par exemple 50 000")
    )
    amount_max = AmountInputField(
        label=_("Montant demandé maximal (€)"), required=False, help_text=_("Par exemple 250 000,50")
    )

    def __init__(self, *args, group: InstructorGroup, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the programme's themes: another programme's theme is not a choice.
        self.fields["theme"].queryset = Theme.objects.filter(call__programme_id=group.programme_id).select_related(
            "call"
        )
        self.fields["theme"].label_from_instance = lambda theme: f"{theme.code} — {theme.call.title}"


class DossierRoutingForm(forms.Form):
    """A manager's choice of group, and anyone's choice of instructor among those who see the dossier."""

    group = forms.ModelChoiceField(
        label=_("Groupe d'instruction"),
        queryset=InstructorGroup.objects.none(),
        required=False,
        empty_label=_("Aucun (pilotes du programme)"),
    )
    instructor = forms.ModelChoiceField(
        label=_("Instructeur ou instructrice"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Personne"),
    )

    def __init__(self, *args, dossier, **kwargs):
        super().__init__(*args, **kwargs)
        programme_id = dossier.theme.call.programme_id
        self.fields["group"].queryset = InstructorGroup.objects.filter(programme_id=programme_id)
        self.fields["instructor"].queryset = User.objects.filter(
            role_assignments__role=Role.PROGRAMME_STAFF, role_assignments__scope_id=programme_id
        ).order_by("email")
        self.fields["instructor"].label_from_instance = lambda user: user.email


class PrivateNoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note privée"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,
        help_text=_("Lue par l'équipe du programme seulement : jamais par le porteur ni par le jury."),
    )


class AnnotationFieldForm(forms.Form):
    key = forms.RegexField(
        label=_("Identifiant"),
        regex=KEY_PATTERN,
        max_length=64,
        help_text=_("Minuscules, chiffres et _, par exemple « avis_technique »."),
    )
    label = forms.CharField(label=_("Libellé"), max_length=255)
    kind = forms.ChoiceField(label=_("Type"), choices=list(FIELD_KINDS.items()))
    choices = forms.CharField(
        label=_("Choix proposés"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Un par ligne, pour les champs à choix."),
    )

    def clean_choices(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]


class LabelForm(forms.Form):
    name = forms.CharField(label=_("Nom de l'étiquette"), max_length=60)
    colour = forms.ChoiceField(label=_("Couleur"), choices=Label.Colour.choices)
