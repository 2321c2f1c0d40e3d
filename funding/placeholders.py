"""Placeholders that staff may write in a convention template, and their substitution.

A template body is HTML with `{{ name }}` markers; only the names of PLACEHOLDERS are
accepted, so that a typo is refused when the template is saved rather than printed in a
signed document. Values are HTML-escaped when substituted.
"""

import re

from django.utils.html import escape

from portal.errors import DomainError

PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]*)\s*\}\}")

PLACEHOLDERS = {
    "reference": "numéro du dossier",
    "acronyme": "acronyme du projet",
    "titre": "titre du projet",
    "porteur": "organisation porteuse",
    "programme": "programme",
    "fonds": "fonds",
    "appel": "appel à projets",
    "theme": "thème (code et titre)",
    "montant": "montant accordé",
    "cout_total": "coût total du projet",
    "part_porteur": "part à la charge du porteur",
    "debut": "date de début",
    "duree_mois": "durée en mois",
    "version": "version de la convention",
}


def placeholders_in(body: str) -> list[str]:
    return PLACEHOLDER.findall(body or "")


def validate_placeholders(body: str) -> None:
    """Raise DomainError naming the first unknown placeholder (French, on field "body")."""
    unknown = [name for name in placeholders_in(body) if name not in PLACEHOLDERS]
    if unknown:
        known = ", ".join(sorted(PLACEHOLDERS))
        raise DomainError(
            f"Variable inconnue dans le modèle : « {{{{ {unknown[0]} }}}} ». Variables possibles : {known}.",
            code="unknown_placeholder",
            field="body",
        )


def fill_placeholders(body: str, values: dict[str, str]) -> str:
    """`body` with each placeholder replaced by its escaped value (unknown ones are refused earlier)."""
    return PLACEHOLDER.sub(lambda match: escape(values.get(match.group(1), "")), body or "")
