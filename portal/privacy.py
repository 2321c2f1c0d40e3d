"""Personal data (RGPD): what the portal holds about a user, gathered app by app.

Each app contributes a function listed in settings.PERSONAL_DATA_EXPORTERS that returns
a JSON-serialisable dict, so the portal does not import the apps that build on it.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from portal.models import AuditEvent, Membership, MembershipRequest, OutboxMessage, RoleAssignment


def export_account(user) -> dict:
    return {
        "compte": {
            "email": user.email,
            "prenom": user.first_name,
            "nom": user.last_name,
            "inscrit_le": user.date_joined.isoformat(),
            "derniere_connexion": user.last_login.isoformat() if user.last_login else None,
        },
        "organisations": [
            {
                "nom": m.organisation.name,
                "type": m.organisation.get_kind_display(),
                "depuis": m.created_at.isoformat(),
                "referent": m.is_referent,
            }
            for m in Membership.objects.filter(user=user).select_related("organisation")
        ],
        "demandes_d_adhesion": [
            {
                "organisation": r.organisation.name,
                "date": r.created_at.isoformat(),
                "etat": r.get_status_display(),
                "motif": r.reason,
            }
            for r in MembershipRequest.objects.filter(user=user).select_related("organisation")
        ],
        "roles": [
            {"role": r.get_role_display(), "objet": str(r.scope) if r.scope_id else None}
            for r in RoleAssignment.objects.filter(user=user).select_related("scope_type")
        ],
        "notifications": [
            {"date": n.created_at.isoformat(), "objet": n.subject, "etat": n.get_status_display()}
            for n in OutboxMessage.objects.filter(recipient=user)
        ],
        "journal_de_mes_actions": [
            {"date": e.created_at.isoformat(), "action": e.action, "objet": e.target_label, "ip": e.ip_address}
            for e in AuditEvent.objects.filter(actor=user)
        ],
    }


def personal_data_of(user) -> dict:
    """Every app's section of the user's personal data, in one dict."""
    data: dict = {}
    for path in settings.PERSONAL_DATA_EXPORTERS:
        data.update(import_string(path)(user))
    return data
