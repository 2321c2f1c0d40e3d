"""iCalendar (RFC 5545) files written by hand: the few properties calendars need, no dependency.

Lines end with CRLF and are folded at 75 octets; text values are escaped; times are UTC
with a trailing Z so that every client shows them in its own zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone

PRODID = "-//Portail des appels a projets//Appels//FR"
MAX_LINE_OCTETS = 75


@dataclass(frozen=True)
class Event:
    uid: str
    starts_at: datetime
    summary: str
    ends_at: datetime | None = None  # None: a deadline, an instant (RFC 5545 §3.6.1)
    description: str = ""
    location: str = ""
    url: str = ""
    sequence: int = 0  # raised when the event moves, so that calendars replace it (§3.8.7.4)


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash first, then ; , and newlines (§3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets, never inside a UTF-8 character."""
    chunks, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        # Continuation lines start with a space, which counts in their 75 octets.
        limit = MAX_LINE_OCTETS if not chunks else MAX_LINE_OCTETS - 1
        if size + width > limit:
            chunks.append(current)
            current, size = "", 0
        current += char
        size += width
    chunks.append(current)
    return "\r\n ".join(chunks)


def uid_for(kind: str, pk: int) -> str:
    """Stable across downloads, so that a calendar updates the event instead of duplicating it."""
    host = urlsplit(settings.SITE_URL).hostname or "portail"
    return f"{kind}-{pk}@{host}"


def calendar(events: Iterable[Event], *, name: str, now: datetime | None = None) -> str:
    stamp = utc_stamp(now or timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines += ["BEGIN:VEVENT", f"UID:{event.uid}", f"DTSTAMP:{stamp}", f"DTSTART:{utc_stamp(event.starts_at)}"]
        if event.sequence:
            lines.append(f"SEQUENCE:{event.sequence}")
        if event.ends_at:
            lines.append(f"DTEND:{utc_stamp(event.ends_at)}")
        lines.append(f"SUMMARY:{escape_text(event.summary)}")
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        if event.location:
            lines.append(f"LOCATION:{escape_text(event.location)}")
        if event.url:
            lines.append(f"URL:{event.url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def calendar_response(text: str, *, filename: str) -> HttpResponse:
    response = HttpResponse(text.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
