"""Validators shared by every app."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# La Poste's establishments share one SIREN whose SIRETs follow another checksum.
LA_POSTE_SIREN = "356000000"


def luhn_is_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def siret_is_valid(value: str) -> bool:
    # isdigit() alone accepts « ² » (int() then fails) and Arabic-Indic digits.
    if len(value) != 14 or not (value.isascii() and value.isdigit()):
        return False
    if value.startswith(LA_POSTE_SIREN):
        return sum(int(char) for char in value) % 5 == 0
    return luhn_is_valid(value[:9]) and luhn_is_valid(value)


def validate_siret(value: str) -> None:
    """Refuse a SIRET that is not 14 digits or whose checksum (Luhn) is wrong."""
    if not value:
        return
    compact = value.replace(" ", "")
    if len(compact) != 14 or not (compact.isascii() and compact.isdigit()):
        raise ValidationError(_("Le SIRET doit comporter exactement 14 chiffres."), code="siret_format")
    if not siret_is_valid(compact):
        raise ValidationError(
            _("Ce SIRET n'est pas valide : sa clé de contrôle ne correspond pas. Vérifiez les chiffres saisis."),
            code="siret_checksum",
        )
