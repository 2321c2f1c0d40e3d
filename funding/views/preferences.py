"""Each signed-in user chooses which deadline reminders they receive."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from funding.forms import ReminderPreferencesForm
from funding.models import ReminderOptOut
from funding.reminders import REMINDER_FAMILIES
from funding.services.preferences import reminder_preferences_set


@login_required
def reminder_preferences(request):
    refused = set(ReminderOptOut.objects.filter(user=request.user).values_list("family", flat=True))
    form = ReminderPreferencesForm(
        request.POST or None,
        families=REMINDER_FAMILIES.items(),
        initial={"wanted": [family for family in REMINDER_FAMILIES if family not in refused]},
    )
    if request.method == "POST" and form.is_valid():
        reminder_preferences_set(actor=request.user, wanted=set(form.cleaned_data["wanted"]))
        messages.success(request, _("Vos préférences de relance sont enregistrées."))
        return redirect("funding:reminder_preferences")
    return render(request, "funding/reminder_preferences.html", {"form": form})
