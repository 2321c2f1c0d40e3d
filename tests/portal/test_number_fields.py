"""Numbers and dates are read in one place (portal/fields.py), and every form of the project uses it.

Refused with a French message: digits other than 0 to 9, overlong numbers, exponents and NaN,
years and dates outside 2000–2100. Accepted: French grouping and decimal comma. Each form family
has its own test in its app's folder (test_number_inputs.py), through its page.
"""

from datetime import date
from decimal import Decimal

import pytest
from django import forms

from portal.fields import (
    AmountInputField,
    DateInputField,
    DateTimeInputField,
    DecimalInputField,
    IntegerInputField,
    YearInputField,
    count_or_none,
)
from tests.portal.hostile_inputs import HOSTILE_DATES, HOSTILE_NUMBERS, HOSTILE_YEARS
from tests.portal.test_error_messages import project_forms

FRENCH = ("Saisissez", "trop long", "entre 2000 et 2100", "chiffres de 0 à 9", "invraisemblable", "montant")


def refusal(field: forms.Field, value: str) -> str:
    with pytest.raises(forms.ValidationError) as error:
        field.clean(value)
    return " ".join(error.value.messages)


NUMBER_FIELDS = {
    "decimal": DecimalInputField(max_digits=14, decimal_places=2),
    "amount": AmountInputField(),
    "integer": IntegerInputField(),
    "year": YearInputField(),
}


@pytest.mark.parametrize("value", HOSTILE_NUMBERS.values(), ids=HOSTILE_NUMBERS.keys())
@pytest.mark.parametrize("field", NUMBER_FIELDS.values(), ids=NUMBER_FIELDS.keys())
def test_every_number_field_refuses_hostile_numbers_in_french(field, value):
    assert any(word in refusal(field, value) for word in FRENCH)


@pytest.mark.parametrize("value", HOSTILE_YEARS.values(), ids=HOSTILE_YEARS.keys())
def test_years_outside_the_sane_range_are_refused(value):
    assert refusal(YearInputField(), value) == "Saisissez une année entre 2000 et 2100."


@pytest.mark.parametrize("value", HOSTILE_DATES.values(), ids=HOSTILE_DATES.keys())
@pytest.mark.parametrize("field", [DateInputField(), DateTimeInputField()], ids=["date", "datetime"])
def test_dates_outside_the_sane_range_or_in_other_digits_are_refused(field, value):
    if isinstance(field, forms.DateTimeField):
        value = f"{value} 10:00"
    assert any(word in refusal(field, value) for word in FRENCH)


def test_french_numbers_are_read():
    assert AmountInputField().clean("1 250 000,00") == Decimal("1250000.00")
    assert AmountInputField().clean("1\u202f250\u00a0000,5 €") == Decimal("1250000.5")
    assert DecimalInputField().clean("-12,5") == Decimal("-12.5")
    assert IntegerInputField().clean("2 026") == 2026
    assert YearInputField().clean("2026") == 2026
    assert DateInputField().clean("2026-02-03") == date(2026, 2, 3)
    assert AmountInputField(required=False).clean("  ") is None


def test_counts_and_ids_from_urls_are_plain_digits_or_nothing():
    assert count_or_none("12") == 12
    for value in ("²", "٣", "-1", "9" * 400, "1.5", "", None, "abc"):
        assert count_or_none(value) is None


NUMBER_OR_DATE = (forms.IntegerField, forms.DecimalField, forms.FloatField, forms.DateField, forms.DateTimeField)
SHARED = (DecimalInputField, IntegerInputField, DateInputField, DateTimeInputField)


@pytest.mark.django_db
def test_every_number_and_date_field_of_every_form_is_read_by_portal_fields():
    """A form that declares a plain Django number or date field (or a model form that gets one
    from its model) would let foreign digits and absurd years through: it fails here."""
    plain, checked = [], 0
    for form_class in project_forms():
        for name, field in form_class.base_fields.items():
            if isinstance(field, NUMBER_OR_DATE):
                checked += 1
                if not isinstance(field, SHARED):
                    plain.append(f"{form_class.__module__}.{form_class.__name__}.{name}: {type(field).__name__}")
                elif isinstance(field, forms.DecimalField) and field.max_digits is None and field.max_value is None:
                    plain.append(f"{form_class.__module__}.{form_class.__name__}.{name}: nombre sans borne")
    print(f"\nChamps nombre ou date vérifiés : {checked}.")
    assert checked > 30
    assert not plain, "\n".join(plain)
