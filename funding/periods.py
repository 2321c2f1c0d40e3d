"""Reporting periods of indicator reports: months or quarters, due a fixed delay after they end."""

import calendar
from datetime import date, timedelta

from calls.models import IndicatorFrequency

# A period's report is due this many days after its last day.
REPORT_GRACE_DAYS = 15


def indicator_items(theme) -> list[dict]:
    """The theme's indicators that have a label (imported data may hold anything else)."""
    return [item for item in theme.indicators or [] if isinstance(item, dict) and item.get("label")]


def reporting_frequency(theme) -> str:
    """Monthly when any indicator of the theme is monthly, quarterly when any is quarterly, else none."""
    frequencies = {item.get("frequency") for item in indicator_items(theme)}
    if IndicatorFrequency.MONTHLY in frequencies:
        return IndicatorFrequency.MONTHLY
    if IndicatorFrequency.QUARTERLY in frequencies:
        return IndicatorFrequency.QUARTERLY
    return IndicatorFrequency.NONE


def _months(frequency: str) -> int:
    return 3 if frequency == IndicatorFrequency.QUARTERLY else 1


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clipped to the month's end (31 January + 1 → 28/29 February)."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month_index + 1, min(day.day, calendar.monthrange(year, month_index + 1)[1]))


def period_containing(day: date, frequency: str) -> tuple[date, date]:
    """First and last day of the month or quarter containing `day`."""
    months = _months(frequency)
    first_month = (day.month - 1) // months * months + 1
    start = date(day.year, first_month, 1)
    return start, add_months(start, months) - timedelta(days=1)


def due_date(period_end: date) -> date:
    return period_end + timedelta(days=REPORT_GRACE_DAYS)


def periods_between(start: date, end: date, frequency: str) -> list[tuple[date, date]]:
    """The periods from the one containing `start` to the one containing `end`, in order."""
    if frequency == IndicatorFrequency.NONE or end < start:
        return []
    periods = []
    period = period_containing(start, frequency)
    while period[0] <= end:
        periods.append(period)
        period = period_containing(period[1] + timedelta(days=1), frequency)
    return periods
