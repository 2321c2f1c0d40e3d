"""Limits a call sets on a document: its size (per file and per dossier) and its number of pages."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.errors import DomainError

# "Mo" as users' file managers mostly count it (Windows): a file shown as 10 Mo must pass a 10 Mo limit.
MEGABYTE = 1024 * 1024


def bytes_from_megabytes(value: Decimal | int | float | None) -> int | None:
    """`RequiredDocument.max_size_mb` → bytes (None stays None: no limit)."""
    if value is None:
        return None
    return int(Decimal(str(value)) * MEGABYTE)


def format_megabytes(size: int) -> str:
    """12582912 → "12 Mo", 2621440 → "2,5 Mo" (French decimal comma, one decimal at most)."""
    value = (Decimal(size) / MEGABYTE).quantize(Decimal("0.1"))
    text = str(int(value)) if value == value.to_integral_value() else f"{value:f}".replace(".", ",")
    return _("%(size)s Mo") % {"size": text}


def check_size(size: int, max_bytes: int | None, already_used: int, max_total: int | None) -> None:
    if size <= 0:
        raise DomainError(_("Le fichier est vide."), "empty")
    if max_bytes is not None and size > max_bytes:
        raise DomainError(
            _("Le fichier pèse %(size)s, au-delà de la taille maximale de %(limit)s pour cette pièce.")
            % {"size": format_megabytes(size), "limit": format_megabytes(max_bytes)},
            "size",
        )
    if max_total is not None and already_used + size > max_total:
        raise DomainError(
            _(
                "Ce fichier (%(size)s) ferait dépasser la taille totale autorisée pour le dossier "
                "(%(limit)s ; %(used)s déjà utilisés). Réduisez sa taille ou retirez une autre pièce."
            )
            % {
                "size": format_megabytes(size),
                "limit": format_megabytes(max_total),
                "used": format_megabytes(already_used),
            },
            "total_size",
        )


def check_pages(pages: int | None, max_pages: int | None) -> None:
    """Refuse a document longer than `max_pages`; an unknown count (`pages` None) is not checked."""
    if not max_pages or pages is None or pages <= max_pages:
        return
    raise DomainError(
        ngettext(
            "Le document compte %(pages)s pages, au-delà de la limite de %(limit)s page pour cette pièce : "
            "raccourcissez-le puis déposez-le à nouveau.",
            "Le document compte %(pages)s pages, au-delà de la limite de %(limit)s pages pour cette pièce : "
            "raccourcissez-le puis déposez-le à nouveau.",
            max_pages,
        )
        % {"pages": pages, "limit": max_pages},
        "pages",
    )
