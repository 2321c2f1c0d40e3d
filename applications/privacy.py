"""The applications app's share of a user's personal data."""

from applications.models import Dossier, Message


def export_dossiers(user) -> dict:
    return {
        "dossiers_crees": [
            {
                "numero": d.reference,
                "acronyme": d.acronym,
                "titre": d.title,
                "etat": d.get_state_display(),
                "cree_le": d.created_at.isoformat(),
            }
            for d in Dossier.objects.filter(created_by=user)
        ],
        "messages_ecrits": [
            {"dossier": m.dossier.reference, "date": m.created_at.isoformat(), "texte": m.body}
            for m in Message.objects.filter(author=user).select_related("dossier")
        ],
    }
