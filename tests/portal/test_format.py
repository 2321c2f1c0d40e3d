from decimal import Decimal

import pytest

from portal.templatetags.portal_format import format_euros


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
