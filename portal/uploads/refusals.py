"""The refusals that several format checks share, each with its error code and French reason."""

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
