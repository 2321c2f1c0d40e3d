"""Money in the rules engine: Decimal euros, rounded to the cent, printed the French way.

Typography: thousands are grouped with a narrow no-break space (U+202F, « espace fine
insécable ») and the unit (€, %) follows a no-break space (U+00A0), so that
« 1 234 567,00 € » never wraps inside an amount.
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
THOUSANDS_SEPARATOR = "\u202f"
UNIT_SEPARATOR = "\u00a0"


def cents(value: Decimal) -> Decimal:
    """The one rounding rule of the engine: to the cent, halves away from zero (ROUND_HALF_UP)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, tax_basis: str | None = None) -> str:
    """« 1 234 567,00 € », or « 1 234 567,00 € TTC » when a tax basis is given."""
    grouped = f"{cents(amount):,.2f}".replace(",", THOUSANDS_SEPARATOR).replace(".", ",")
    unit = "€" if tax_basis is None else f"€{UNIT_SEPARATOR}{tax_basis}"
    return f"{grouped}{UNIT_SEPARATOR}{unit}"


def format_percent(rate: Decimal) -> str:
    """« 75 % », « 33,5 % »: the rate as given, without trailing zeros, with a decimal comma."""
    return f"{format(rate.normalize(), 'f').replace('.', ',')}{UNIT_SEPARATOR}%"
