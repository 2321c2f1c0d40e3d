"""What a person reads on a page: its text and its readable attributes, without markup, scripts
or the values forms post. Shared by the tests that look for internal names in pages."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.db import models

# Attributes a person reads (or hears): the rest (value, name, id, href…) is for machines.
READ_ATTRIBUTES = ("title", "aria-label", "alt", "placeholder", "aria-description")
# Code is shown as code on purpose (a format's keys); a textarea holds what its field posts.
SILENT_TAGS = ("script", "style", "template", "code", "textarea")
# A number written the English way (« 30000.00 », « 73.333 »); dates, references and codes (« C1.2 »,
# « §3.2 ») never match, nor a version or a criterion of a standard (« Licence Ouverte version 2.0 »,
# « RGAA 4.1 », « Critère 13.1 », « WCAG 2.0, 2.1 »), which is not a quantity.
VERSIONED = ("version", "RGAA", "WCAG", "DSFR", "axe-core", "Critère", "critère")
ENGLISH_NUMBER = re.compile(
    r"(?<![\w.,§/-])" + "".join(f"(?<!{name} )" for name in VERSIONED) + r"(?<!\d\.\d, )\d+\.\d+(?![\w.])"
)
PROJECT_APPS = ("portal", "calls", "applications", "juries", "funding", "dashboard")


class _Reader(HTMLParser):
    def __init__(self, only_within: tuple[str, ...] = ()):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.silent = 0
        self.only_within = only_within
        self.within = 0  # depth inside an element whose class is one of only_within
        self.stack: list[bool] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        entering = bool(self.only_within) and bool(classes & set(self.only_within))
        if tag not in ("br", "img", "input", "meta", "link", "hr", "source", "wbr"):
            self.stack.append(entering)
            self.within += entering
        if tag in SILENT_TAGS:
            self.silent += 1
        if self._reading():
            self.parts.extend(attributes[name] for name in READ_ATTRIBUTES if attributes.get(name))

    def handle_endtag(self, tag):
        if tag in SILENT_TAGS:
            self.silent = max(0, self.silent - 1)
        if tag not in ("br", "img", "input", "meta", "link", "hr", "source", "wbr") and self.stack:
            self.within -= self.stack.pop()

    def handle_data(self, data):
        if self._reading():
            self.parts.append(data)

    def _reading(self) -> bool:
        return not self.silent and (not self.only_within or self.within > 0)


def page_text(html: str, *, only_within: tuple[str, ...] = ()) -> str:
    """The text a person reads on `html`, pieces separated by newlines; with `only_within`, only the
    text inside elements of those classes (e.g. error messages)."""
    reader = _Reader(only_within)
    reader.feed(html)
    return "\n".join(part.strip() for part in reader.parts if part.strip())


def project_text_choices() -> list[type[models.TextChoices]]:
    """Every TextChoices of the project's apps, found by introspection (a new one is checked too)."""
    found, todo = [], list(models.TextChoices.__subclasses__())
    while todo:
        choices = todo.pop()
        todo.extend(choices.__subclasses__())
        if choices.__module__.split(".")[0] in PROJECT_APPS:
            found.append(choices)
    return found


def whole_word(word: str) -> re.Pattern:
    """`word` standing alone: not inside another word, an identifier, an e-mail address or a path."""
    return re.compile(rf"(?<![\w@./-]){re.escape(word)}(?![\w@/-])")
