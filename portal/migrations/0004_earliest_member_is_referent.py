"""Existing organisations get their référent (the earliest member), and each existing membership its
granted request, so that the history of who came in (which the conflict-of-interest wall reads) starts
complete."""

from django.db import migrations


def forwards(apps, schema_editor):
    Membership = apps.get_model("portal", "Membership")
    MembershipRequest = apps.get_model("portal", "MembershipRequest")
    earliest: dict[int, int] = {}
    memberships = Membership.objects.order_by("organisation_id", "created_at", "pk")
    for membership in memberships.iterator():
        earliest.setdefault(membership.organisation_id, membership.pk)
    Membership.objects.filter(pk__in=earliest.values()).update(is_referent=True)
    MembershipRequest.objects.bulk_create(
        [
            MembershipRequest(
                user_id=membership.user_id,
                organisation_id=membership.organisation_id,
                status="granted",
                created_at=membership.created_at,
                decided_at=membership.created_at,
                reason="Membre avant les demandes d'adhésion.",
            )
            for membership in memberships.iterator()
        ],
        batch_size=1000,
    )


def backwards(apps, schema_editor):
    apps.get_model("portal", "MembershipRequest").objects.all().delete()
    apps.get_model("portal", "Membership").objects.update(is_referent=False)


class Migration(migrations.Migration):
    dependencies = [("portal", "0003_membership_requests_referents_domains")]

    operations = [migrations.RunPython(forwards, backwards)]
