"""What reading a file's content found: its real format and, where the format records it, its page count."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Inspected:
    format: str
    # None when the format records no page count (spreadsheets) or the file does not carry one.
    pages: int | None = None
