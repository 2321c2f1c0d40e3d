"""Deadlines typed by people: a day alone means the end of that day in Paris, never its first second.

A jury deadline typed « 31/12/2026 » must accept evaluations all through the 31st; Django's date-time
field would store 31/12/2026 00:00, the evening of the 30th in effect.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.fields import DateTimeInputField, check_year

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# A day alone, in the digits 0 to 9 (the parent field refuses every other digit with its French message).
DAY_ONLY = {
    re.compile(r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}", re.ASCII): "%d/%m/%Y",
    re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII): "%Y-%m-%d",
}
DATETIME_FORMATS = ("%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M:%S")


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The last instant of `day` in Paris (23:59:59.999999), time zone aware."""
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=PARIS)


class DeadlineField(DateTimeInputField):
    """A deadline typed as « jj/mm/aaaa » (the end of that day, Paris time) or « jj/mm/aaaa hh:mm »."""

    default_error_messages = {
        "invalid": _("Saisissez une date (jj/mm/aaaa), éventuellement suivie d'une heure (jj/mm/aaaa hh:mm)."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", DATETIME_FORMATS)
        kwargs.setdefault("help_text", _("Heure de Paris. Une date seule vaut jusqu'à la fin de ce jour (23 h 59)."))
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off", "placeholder": "jj/mm/aaaa hh:mm"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value, PARIS).strftime("%d/%m/%Y %H:%M")
        return value

    def to_python(self, value):
        text = value.strip() if isinstance(value, str) else ""
        for pattern, day_format in DAY_ONLY.items():
            if pattern.fullmatch(text):
                try:
                    day = datetime.datetime.strptime(text, day_format).date()
                except ValueError:
                    raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
                check_year(day.year, "date_range", self.error_messages)
                return end_of_day(day)
        return super().to_python(value)
