"""What people type as numbers and dates, read in one place.

Every number or date input of the portal (amounts, rates, years, counts, scores, dates) is read
by a field of this module, or by `parse_decimal` / `parse_integer` where a page reads a raw
value, and model forms get these fields through `ModelForm`. They refuse, with a French message:

- digits other than 0 to 9: Python's int() and Decimal() read Arabic-Indic (« ٣ ») and
  full-width (« ３ ») digits as numbers, and str.isdigit() accepts superscripts (« ² ») that
  int() then rejects with an exception;
- numbers longer than MAX_NUMBER_LENGTH characters (a 400-digit integer overflows the database),
  exponents, NaN and infinities;
- years, and dates whose year, outside YEAR_MIN–YEAR_MAX (« 0 », « 1900 », « 9999 »: a date
  near year 1 or 9999 cannot even be converted between time zones).

They accept what French people type: spaces (ordinary, non-breaking, narrow) between thousands,
a decimal comma as well as a point, and a trailing « € » or « % ». They show a stored number
the same way (« 32 000,00 », « 12,5 »), so that what a page shows back is what people would type;
whole numbers (years, counts) are never grouped.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal.templatetags.portal_format import amount_input, number_input

YEAR_MIN, YEAR_MAX = 2000, 2100
# Characters of a number once its grouping spaces are removed: a thousand billion euros with
# cents takes 16, a quotient of Decimals 30; anything longer is a mistake or an attack.
MAX_NUMBER_LENGTH = 40
# Amounts are below a thousand billion euros (12 whole digits), to the cent, as the money columns store them.
MAX_AMOUNT_DIGITS = 14
# The largest integer every supported database stores in an integer column.
MAX_INTEGER = BaseDatabaseOperations.integer_field_ranges["IntegerField"][1]

_GROUPING = dict.fromkeys(map(ord, " \u00a0\u202f\u2009"), None)
_UNITS = ("€", "%")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)", re.ASCII)
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)

MESSAGES = {
    "digits": _("Saisissez le nombre avec les chiffres de 0 à 9."),
    "too_long": _("Ce nombre est trop long."),
    "invalid_decimal": _("Saisissez un nombre, par exemple 12 500,50."),
    "invalid_integer": _("Saisissez un nombre entier."),
    "date_digits": _("Saisissez la date avec les chiffres de 0 à 9."),
    "year_range": format_lazy(_("Saisissez une année entre {min} et {max}."), min=YEAR_MIN, max=YEAR_MAX),
    "date_range": format_lazy(_("Saisissez une date entre les années {min} et {max}."), min=YEAR_MIN, max=YEAR_MAX),
}


def _refuse(code: str, messages: dict | None = None, *, fallback: str = ""):
    """Raise the field's own message for `code` if it has one, else the module's (`fallback` or `code`)."""
    message = (messages or {}).get(code) or MESSAGES[fallback or code]
    raise ValidationError(message, code=code)


def _has_foreign_digits(text: str) -> bool:
    return any(not char.isascii() and (char.isdigit() or char.isnumeric()) for char in text)


def number_text(value, messages: dict | None = None) -> str:
    """The typed number in the form Python reads (« 1 250,50 € » → « 1250.50 »), not yet checked
    against a pattern; ValidationError for foreign digits or an overlong number."""
    text = str(value).strip().translate(_GROUPING)
    for unit in _UNITS:
        text = text.removesuffix(unit)
    if _has_foreign_digits(text):
        _refuse("digits", messages)
    if len(text) > MAX_NUMBER_LENGTH:
        _refuse("too_long", messages)
    return text.replace(",", ".")


def parse_decimal(value, messages: dict | None = None) -> Decimal:
    """A typed decimal number (or a finite Decimal, kept); ValidationError in French when it is not one."""
    if isinstance(value, Decimal) and value.is_finite():
        return value
    text = number_text(value, messages)
    if not _DECIMAL.fullmatch(text):
        _refuse("invalid", messages, fallback="invalid_decimal")
    return Decimal(text)


def parse_integer(value, messages: dict | None = None) -> int:
    """A typed whole number; ValidationError in French when it is not one."""
    text = number_text(value, messages)
    if not _INTEGER.fullmatch(text):
        _refuse("invalid", messages, fallback="invalid_integer")
    return int(text)


def count_or_none(value) -> int | None:
    """A count, version or id sent in a URL or a hidden field: a non-negative whole number, else None."""
    try:
        number = parse_integer(value) if value not in (None, "") else None
    except ValidationError:
        return None
    return number if number is not None and 0 <= number <= MAX_INTEGER else None


def check_year(year: int, code: str = "year_range", messages: dict | None = None) -> None:
    if not YEAR_MIN <= year <= YEAR_MAX:
        _refuse(code, messages)


class FrenchNumberInput(forms.TextInput):
    """A text input that shows a stored number written the French way by `show` (typed text is shown
    back as it was typed: an error must not rewrite what the user wrote)."""

    def __init__(self, *, show=None, attrs=None):
        super().__init__(attrs)
        self.show = show

    def format_value(self, value):
        if self.show is not None and isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
            return self.show(value)
        return super().format_value(value)


class _TypedNumberMixin:
    """Typed text read by `parse` (this module's parser) before Django's own checks; a text input
    with the right keyboard, since a number input refuses French spaces and commas."""

    default_error_messages = {"digits": MESSAGES["digits"], "too_long": MESSAGES["too_long"]}
    parse = None
    show = None
    inputmode = ""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            FrenchNumberInput(show=type(self).show, attrs={"inputmode": self.inputmode, "autocomplete": "off"}),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
            return type(self).parse(value, self.error_messages) if value else None
        return super().to_python(value)


class DecimalInputField(_TypedNumberMixin, forms.DecimalField):
    """A decimal number as typed in France; bounded by the field's max_digits or max_value."""

    parse = staticmethod(parse_decimal)
    show = staticmethod(number_input)
    inputmode = "decimal"


class AmountInputField(DecimalInputField):
    """An amount in euros, to the cent, from 0 to under a thousand billion; shown « 32 000,00 »."""

    show = staticmethod(amount_input)

    default_error_messages = {
        "invalid": _("Saisissez un montant en euros, par exemple 12 500,50."),
        "min_value": _("Le montant ne peut pas être négatif."),
        "max_value": _("Le montant est invraisemblable (1 000 milliards d'euros ou plus)."),
        "max_digits": _("Le montant est invraisemblable (1 000 milliards d'euros ou plus)."),
        "max_whole_digits": _("Le montant est invraisemblable (1 000 milliards d'euros ou plus)."),
        "max_decimal_places": _("Le montant se saisit au centime près (deux décimales au plus)."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("max_digits", MAX_AMOUNT_DIGITS)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)


class IntegerInputField(_TypedNumberMixin, forms.IntegerField):
    """A whole number typed with the digits 0 to 9; at most MAX_INTEGER unless said otherwise."""

    parse = staticmethod(parse_integer)
    inputmode = "numeric"

    def __init__(self, **kwargs):
        kwargs.setdefault("max_value", MAX_INTEGER)
        super().__init__(**kwargs)


class YearInputField(IntegerInputField):
    """A year between YEAR_MIN and YEAR_MAX."""

    default_error_messages = {
        "invalid": _("Saisissez une année, par exemple 2026."),
        "min_value": MESSAGES["year_range"],
        "max_value": MESSAGES["year_range"],
    }

    def __init__(self, **kwargs):
        super().__init__(min_value=YEAR_MIN, max_value=YEAR_MAX, **kwargs)


class _DateRangeMixin:
    default_error_messages = {"date_digits": MESSAGES["date_digits"], "date_range": MESSAGES["date_range"]}

    def to_python(self, value):
        if isinstance(value, str) and _has_foreign_digits(value):
            _refuse("date_digits", self.error_messages)
        value = super().to_python(value)
        if value is not None:
            check_year(value.year, "date_range", self.error_messages)
        return value


class DateInputField(_DateRangeMixin, forms.DateField):
    """A date typed with the digits 0 to 9, of a year between YEAR_MIN and YEAR_MAX."""


class DateTimeInputField(_DateRangeMixin, forms.DateTimeField):
    """A date and time typed with the digits 0 to 9, of a year between YEAR_MIN and YEAR_MAX."""


# Model field → form field, most specific first (a DateTimeField is a DateField).
MODEL_FIELDS = [
    (models.DateTimeField, DateTimeInputField),
    (models.DateField, DateInputField),
    (models.DecimalField, DecimalInputField),
    (models.IntegerField, IntegerInputField),
]


def model_formfield(db_field: models.Field, **kwargs) -> forms.Field | None:
    """The form field of a model field, numbers and dates read by the fields above; integers
    bounded by the range every supported database stores (the form, not the database, refuses)."""
    form_class = next((form for model, form in MODEL_FIELDS if isinstance(db_field, model)), None)
    if form_class is not None and not db_field.choices:
        kwargs.setdefault("form_class", form_class)
        if isinstance(db_field, models.IntegerField):
            low, high = BaseDatabaseOperations.integer_field_ranges[db_field.get_internal_type()]
            kwargs.setdefault("min_value", low)
            kwargs.setdefault("max_value", high)
    return db_field.formfield(**kwargs)


class _ModelFormMetaclass(forms.models.ModelFormMetaclass):
    def __new__(mcs, name, bases, attrs):
        meta = attrs.get("Meta")
        if meta is not None and not hasattr(meta, "formfield_callback"):
            meta.formfield_callback = staticmethod(model_formfield)
        return super().__new__(mcs, name, bases, attrs)


class ModelForm(forms.ModelForm, metaclass=_ModelFormMetaclass):
    """The base of the portal's model forms: their numbers and dates are read by this module's fields."""
