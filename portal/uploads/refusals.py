"""The refusals that several format checks share, each with its error code and French reason.

Messages name the problem and how to fix it, never the part or the byte where it was found.
"""

from django.utils.translation import gettext as _

from portal.errors import DomainError


def unrecognised() -> DomainError:
    return DomainError(
        _(
            "Le contenu du fichier ne correspond à aucun format accepté (PDF, OpenDocument, Microsoft Office) "
            "ou le fichier est endommagé."
        ),
        "format",
    )


def macro_error() -> DomainError:
    return DomainError(
        _(
            "Le fichier contient des macros, refusées pour des raisons de sécurité : "
            "enregistrez-le sans macros puis déposez-le à nouveau."
        ),
        "macro",
    )


def encrypted_error() -> DomainError:
    # Nobody could read it after the deadline, and its content escapes every check here.
    return DomainError(_("Le fichier est protégé par un mot de passe : déposez-le sans protection."), "encrypted")


def embedded_object_error() -> DomainError:
    return DomainError(
        _(
            "Le fichier contient un objet incorporé ou lié (objet OLE, contrôle ActiveX, document dans le "
            "document), refusé pour des raisons de sécurité : collez-en plutôt le contenu ou une image, "
            "ou déposez ce document à part."
        ),
        "embedded_object",
    )


def external_link_error() -> DomainError:
    return DomainError(
        _(
            "Le fichier va chercher à l'ouverture un contenu sur un autre serveur (modèle, image, objet ou "
            "classeur liés), refusé pour des raisons de sécurité : rompez ces liaisons ou incorporez leur "
            "contenu, puis enregistrez-le à nouveau. Les liens hypertextes ordinaires sont acceptés."
        ),
        "external_link",
    )


def dde_error() -> DomainError:
    return DomainError(
        _(
            "Le fichier contient un champ ou une formule DDE, qui peut lancer une commande à l'ouverture, "
            "refusé pour des raisons de sécurité : remplacez-le par sa valeur puis enregistrez le fichier à nouveau."
        ),
        "dde",
    )


def active_content_error() -> DomainError:
    return DomainError(
        _(
            "Le fichier contient une action qui lance un programme ou un script (bouton, lien, événement ou "
            "ruban personnalisé), refusée pour des raisons de sécurité : supprimez-la puis enregistrez le "
            "fichier à nouveau."
        ),
        "active_content",
    )
