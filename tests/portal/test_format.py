from decimal import Decimal

import pytest
from django import forms
from django.template import Context, Template

from portal.fields import AmountInputField, DecimalInputField, YearInputField, parse_decimal
from portal.templatetags.portal_format import (
    amount_input,
    format_answer,
    format_euros,
    format_number,
    format_score,
    number_input,
)


@pytest.mark.parametrize(
    "value, expected",
    [
        (Decimal("1234567"), "1\u202f234\u202f567,00\u202f€"),
        (Decimal("0.5"), "0,50\u202f€"),
        ("48000", "48\u202f000,00\u202f€"),
        (Decimal("-1500.256"), "-1\u202f500,26\u202f€"),
        (None, "—"),
    ],
)
def test_euros_are_french_formatted(value, expected):
    assert format_euros(value) == expected


def test_rounded_euros():
    assert format_euros(Decimal("8000000"), decimals=0) == "8\u202f000\u202f000\u202f€"


@pytest.mark.parametrize(
    "value, expected",
    [
        (Decimal("73.333"), "73,33"),
        ("73.333", "73,33"),  # the ranking a deliberation keeps stores its totals as text
        ("80.000", "80"),
        (Decimal("7.5"), "7,5"),
        (Decimal("4.005"), "4,01"),
        (Decimal("-0.001"), "0"),
        (None, "—"),
        ("", "—"),
    ],
)
def test_scores_have_at_most_two_decimals_and_a_comma(value, expected):
    assert format_score(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (Decimal("1234567.50"), "1\u202f234\u202f567,5"),
        (Decimal("0.125"), "0,125"),
        (Decimal("12.50"), "12,5"),
        (Decimal("75.00"), "75"),
        (10300, "10\u202f300"),
        ("pas un nombre", "pas un nombre"),
    ],
)
def test_numbers_are_grouped_with_a_decimal_comma(value, expected):
    assert format_number(value) == expected


def test_counts_are_grouped_but_identifiers_are_not():
    page = Template("{% load portal_format %}{{ total|count }} dossiers, dossier n°{{ pk }}").render(
        Context({"total": 10300, "pk": 1391})
    )
    assert page == "10\u202f300 dossiers, dossier n°1391"


@pytest.mark.parametrize(
    "value, amount, number",
    [
        (Decimal("32000.00"), "32 000,00", "32 000"),
        (Decimal("1250000"), "1 250 000,00", "1 250 000"),
        (Decimal("12.5"), "12,50", "12,5"),
        (None, "", ""),
    ],
)
def test_inputs_show_numbers_as_they_are_typed(value, amount, number):
    assert amount_input(value) == amount
    assert number_input(value) == number
    # What an input shows reads back as the same number.
    if value is not None:
        assert parse_decimal(amount) == value and parse_decimal(number) == value


@pytest.mark.parametrize(
    "value, expected",
    [
        (True, "Oui"),
        (False, "Non"),
        (["Code source ouvert", "Non"], "Code source ouvert, Non"),
        (None, "—"),
        ("", "—"),
        (0, "0"),
        (2026, "2026"),
        (120000, "120\u202f000"),
        ("Texte", "Texte"),
    ],
)
def test_form_answers_read_in_french(value, expected):
    assert format_answer(value) == expected


def test_number_fields_show_stored_values_the_french_way_and_typed_text_as_typed():
    class Form(forms.Form):
        amount = AmountInputField()
        rate = DecimalInputField()
        year = YearInputField()

    shown = Form(initial={"amount": Decimal("32000.00"), "rate": Decimal("12.50"), "year": 2026})
    assert 'value="32 000,00"' in str(shown["amount"]) and 'value="12,5"' in str(shown["rate"])
    assert 'value="2026"' in str(shown["year"])
    typed = Form({"amount": "1 250 000,00", "rate": "abc", "year": "2026"})
    assert not typed.is_valid() and typed.cleaned_data["amount"] == Decimal("1250000.00")
    assert 'value="abc"' in str(typed["rate"])
