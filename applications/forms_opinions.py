"""Forms of expert opinions: the staff's request, the expert's declaration of interests and answer."""

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.models import OpinionRequest
from applications.services.opinions import ANSWER_LIMIT, ATTACHMENTS_MAX, QUESTION_LIMIT
from portal.fields import DateTimeInputField


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service with `validate_upload`."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [cleaned] if (cleaned := super().clean(data, initial)) else []


class OpinionRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail de l'expert·e"),
        help_text=_(
            "Un membre de l'équipe du programme est sollicité directement ; toute autre personne reçoit une "
            "invitation à accepter avec le compte de cette adresse."
        ),
    )
    question = forms.CharField(
        label=_("Question posée"), widget=forms.Textarea(attrs={"rows": 4}), max_length=QUESTION_LIMIT
    )
    due_at = DateTimeInputField(
        label=_("Avis attendu avant le (heure de Paris)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    visibility = forms.ChoiceField(
        label=_("Qui lira l'avis ?"),
        choices=OpinionRequest.Visibility.choices,
        widget=forms.RadioSelect,
        initial=OpinionRequest.Visibility.STAFF,
    )


class InterestDeclarationForm(forms.Form):
    has_interest = forms.TypedChoiceField(
        label=_("Avez-vous un intérêt lié à ce dossier ou à son porteur ?"),
        choices=[("non", _("Non, je n'ai aucun intérêt lié")), ("oui", _("Oui, je déclare un intérêt"))],
        coerce=lambda value: value == "oui",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Intérêt déclaré (si oui)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )


class OpinionAnswerForm(forms.Form):
    answer = forms.CharField(label=_("Votre avis"), widget=forms.Textarea(attrs={"rows": 8}), max_length=ANSWER_LIMIT)
    position = forms.ChoiceField(
        label=_("Votre position"), choices=OpinionRequest.Position.choices, widget=forms.RadioSelect
    )
    files = MultipleFileField(
        label=_("Pièces jointes (facultatif)"),
        help_text=_("Jusqu'à %(count)s fichiers de 10 Mo chacun.") % {"count": ATTACHMENTS_MAX},
        required=False,
    )
