"""French formatting of money and figures for templates, PDFs and form inputs.

Numbers are written as in France: thousands grouped by a space, a decimal comma. Integer
identifiers (primary keys, years, versions) are never grouped: USE_THOUSAND_SEPARATOR stays off
(see portal/settings.py), and only the filters below group, where a number is read as a quantity.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()

NARROW_NBSP = "\u202f"
# Scores and averages are read to the hundredth at most (73,33 rather than 73,333).
SCORE_DECIMALS = 2


def _decimal(value) -> Decimal | None:
    """The value as a finite Decimal (numbers, and texts a snapshot stored such as "73.333"), else None."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def format_number(value, *, decimals: int | None = None, fixed: bool = False, separator: str = NARROW_NBSP) -> str:
    """A number written the French way: 1234567.5 → '1 234 567,5'.

    At most `decimals` decimals, rounded half up (None: as many as the value has); trailing zeros
    are dropped unless `fixed`. A value that is not a number is returned as text; None as "—".
    """
    number = _decimal(value)
    if number is None:
        return "—" if value is None or value == "" else str(value)
    if decimals is not None:
        number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 and number != 0 else ""
    integer_part, _, fraction = f"{abs(number):f}".partition(".")
    if not fixed:
        fraction = fraction.rstrip("0")
    groups = []
    while integer_part:
        groups.insert(0, integer_part[-3:])
        integer_part = integer_part[:-3]
    text = separator.join(groups) or "0"
    if fraction:
        text += "," + fraction
    return f"{sign}{text}"


def format_euros(value, *, decimals: int = 2) -> str:
    """1234567.5 → '1 234 567,50 €' (narrow no-break spaces, as French typography wants)."""
    if _decimal(value) is None:
        return "—" if value is None or value == "" else str(value)
    amount = format_number(value, decimals=decimals, fixed=True)
    return f"{amount}{NARROW_NBSP}€"


def format_score(value) -> str:
    """A score or an average to the hundredth at most: '73,33', '80', '7,5'; None as '—'."""
    return format_number(value, decimals=SCORE_DECIMALS)


def amount_input(value) -> str:
    """An amount as an input shows it, grouped by ordinary spaces: '32 000,00' (portal.fields reads it back)."""
    return "" if _decimal(value) is None else format_number(value, decimals=2, fixed=True, separator=" ")


def number_input(value) -> str:
    """A decimal number as an input shows it: '12,5', '1 000'; what cannot be read is shown as it is."""
    if value is None:
        return ""
    return format_number(value, separator=" ") if _decimal(value) is not None else str(value)


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
def score(value):
    """{{ row.total|score }}: a score to the hundredth at most, decimal comma."""
    return format_score(value)


@register.filter
def number(value):
    """{{ criterion.weight|number }}: a decimal number, French grouping and comma, no useless zeros."""
    return format_number(value)


@register.filter
def count(value):
    """{{ total|count }} dossiers: a quantity grouped by thousands ('10 300'); never for an identifier."""
    return format_number(value, decimals=0)


@register.filter(name="amount_input")
def amount_input_filter(value):
    """value="{{ amount|amount_input }}" of a hand-written amount input."""
    return amount_input(value)


@register.filter(name="number_input")
def number_input_filter(value):
    """value="{{ rate|number_input }}" of a hand-written decimal input."""
    return number_input(value)


def format_answer(value) -> str:
    """A stored form answer as a reader reads it: Oui / Non, « a, b, c », French numbers, « — » when empty."""
    if value is True:
        return _("Oui")
    if value is False:
        return _("Non")
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    if isinstance(value, int) and abs(value) < 10000:
        return str(value)  # a year or a small count: French typography groups from five digits
    if isinstance(value, (int, float, Decimal)):
        return format_number(value)
    return str(value)


@register.filter
def answer(value):
    """{{ value|answer|linebreaksbr }}: one answer of a dossier's form (see format_answer)."""
    return format_answer(value)


@register.filter
def isodatetime(value) -> str:
    """A datetime as HTML's `datetime` attribute and JavaScript's Date.parse read it: to the second, with its offset."""
    if not value:
        return ""
    return (timezone.localtime(value) if timezone.is_aware(value) else value).isoformat(timespec="seconds")
