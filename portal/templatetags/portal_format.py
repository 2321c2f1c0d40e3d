"""French formatting of money and figures for templates."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils import timezone

register = template.Library()

NARROW_NBSP = "\u202f"


def format_euros(value, *, decimals: int = 2) -> str:
    """1234567.5 → '1 234 567,50 €' (narrow no-break spaces, as French typography wants)."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    quantized = abs(amount).quantize(Decimal(1).scaleb(-decimals))
    integer_part, _, fraction = f"{quantized:f}".partition(".")
    groups = []
    while integer_part:
        groups.insert(0, integer_part[-3:])
        integer_part = integer_part[:-3]
    text = NARROW_NBSP.join(groups) or "0"
    if decimals:
        text += "," + fraction
    return f"{sign}{text}{NARROW_NBSP}€"


@register.filter
def euros(value):
    return format_euros(value)


@register.filter
def euros_rounded(value):
    return format_euros(value, decimals=0)


@register.filter
def percent(value):
    """Decimal("33.30") → '33,3 %': the rate as given, without trailing zeros, no-break space before %."""
    if value is None or value == "":
        return "—"
    try:
        rate = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    return f"{format(rate.normalize(), 'f').replace('.', ',')}\u00a0%"


@register.filter
def join_if_list(value):
    """A multiple-choice answer reads as « a, b, c »; anything else is shown as it is."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return value


@register.filter
def isodatetime(value) -> str:
    """A datetime as HTML's `datetime` attribute and JavaScript's Date.parse read it: to the second, with its offset."""
    if not value:
        return ""
    return (timezone.localtime(value) if timezone.is_aware(value) else value).isoformat(timespec="seconds")
