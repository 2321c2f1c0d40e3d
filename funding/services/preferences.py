"""A user's choice of the reminders they receive."""

from django.db import transaction

from funding.models import ReminderOptOut
from funding.reminders import REMINDER_FAMILIES
from portal.services import audit_record


@transaction.atomic
def reminder_preferences_set(*, actor, wanted: set[str]) -> set[str]:
    """Keep the reminder families in `wanted` (unknown ones ignored); returns the families turned off."""
    refused = set(REMINDER_FAMILIES) - set(wanted)
    ReminderOptOut.objects.filter(user=actor).exclude(family__in=refused).delete()
    for family in refused:
        ReminderOptOut.objects.get_or_create(user=actor, family=family)
    audit_record(actor=actor, action="reminders.preferences", target=actor, data={"refused": sorted(refused)})
    return refused
