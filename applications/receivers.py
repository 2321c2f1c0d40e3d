"""What the applications app does when a lower app signals a change (connected in apps.py)."""

from django.dispatch import receiver
from django.urls import reverse

from applications.models import Dossier
from applications.recipients import carrier_members
from applications.workflow import DossierState
from calls.signals import session_close_changed
from portal.services import notify


@receiver(session_close_changed)
def tell_drafts_of_new_close(sender, *, session, actor, before, reason, **kwargs):
    """Every carrier with a draft in the session learns the new close and why, one e-mail per draft."""
    for dossier in Dossier.objects.filter(session=session, state=DossierState.DRAFT).select_related("organisation"):
        notify(
            "session_close_changed",
            actor=actor,
            recipients=carrier_members(dossier),
            context={"dossier": dossier, "session": session, "before": before, "reason": reason},
            link=reverse("applications:dossier_detail", args=[dossier.pk]),
        )
