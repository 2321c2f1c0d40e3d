"""Calls as XLSX workbooks: the same document as YAML, one sheet per kind of row, each row naming
its call (and theme, and parent criterion) by code; read back into the document for import.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import tablib

from calls.models import Call
from calls.rules.config import field_label
from portal.exports import text_from_inert, xlsx_bytes

from .exporting import call_document_export
from .importing import call_document_import
from .schema import (
    CALL_FIELDS,
    CRITERION_FIELDS,
    DOCUMENT_FIELDS,
    FORM_KEYS,
    FORMAT,
    INFO_SESSION_FIELDS,
    PHASE_FIELDS,
    PROGRAMME_FIELDS,
    SESSION_FIELDS,
    THEME_FIELDS,
    THEME_RULE,
    InterchangeError,
)

# (sheet title, columns that locate a row's parents); a theme column left empty means the call.
SHEETS = [
    ("programme", []),
    ("appels", []),
    ("thèmes", ["appel"]),
    ("sessions", ["appel", "thème"]),
    ("phases", ["appel", "thème"]),
    ("critères", ["appel", "thème", "critère parent"]),
    ("pièces", ["appel", "thème"]),
    ("formulaires", ["appel", "thème"]),
    ("réunions", ["appel"]),
]
SHEET_COLUMNS = {
    "programme": PROGRAMME_FIELDS,
    "appels": CALL_FIELDS,
    "thèmes": [*THEME_FIELDS, THEME_RULE],
    "sessions": SESSION_FIELDS,
    "phases": PHASE_FIELDS + ["milestones"],
    "critères": CRITERION_FIELDS,
    "pièces": DOCUMENT_FIELDS,
    "formulaires": list(FORM_KEYS),
    "réunions": INFO_SESSION_FIELDS,
}


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, (datetime.date, Decimal)):
        return str(value)
    return value


def _uncell(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = text_from_inert(value)
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _flatten(document: dict) -> dict[str, list[list]]:
    rows: dict[str, list[list]] = {title: [] for title, _ in SHEETS}

    def add(title: str, refs: list, item: dict):
        rows[title].append(refs + [_cell(item.get(column)) for column in SHEET_COLUMNS[title]])

    def add_criteria(criteria: list, call_slug: str, theme_code: str, parent: str):
        for criterion in criteria:
            add("critères", [call_slug, theme_code, parent], criterion)
            add_criteria(criterion.get("sub_criteria") or [], call_slug, theme_code, criterion.get("code", ""))

    def add_owned(owner: dict, call_slug: str, theme_code: str):
        add_criteria(owner.get("criteria") or [], call_slug, theme_code, "")
        for item in owner.get("required_documents") or []:
            add("pièces", [call_slug, theme_code], item)
        if any(owner.get(key) for key in FORM_KEYS):
            add("formulaires", [call_slug, theme_code], owner)

    add("programme", [], document["programme"])
    for call in document["calls"]:
        slug = call["slug"]
        add("appels", [], call)
        add_owned(call, slug, "")
        for info in call.get("info_sessions") or []:
            add("réunions", [slug], info)
        for theme in call.get("themes") or []:
            add("thèmes", [slug], theme)
            for session in theme.get("sessions") or []:
                add("sessions", [slug, theme["code"]], session)
            for phase in theme.get("phases") or []:
                add("phases", [slug, theme["code"]], phase)
            add_owned(theme, slug, theme["code"])
    return rows


def call_workbook_export(*, call: Call) -> bytes:
    """The call as an XLSX workbook, written like every export (text that would run as a formula is
    quoted with an apostrophe, which `workbook_document` removes on the way back)."""
    rows = _flatten(call_document_export(call=call))
    return xlsx_bytes(
        *(tablib.Dataset(*rows[title], headers=refs + SHEET_COLUMNS[title], title=title) for title, refs in SHEETS)
    )


def _read_sheets(content: bytes) -> dict[str, list[tuple[int, dict]]]:
    """Each sheet's filled rows as (row number in the sheet, {column: value}); the header is row 1."""
    book = tablib.Databook()
    try:
        book.load(content, format="xlsx")
    except Exception as error:  # openpyxl raises many types for a file that is not XLSX
        raise InterchangeError(
            [f"Le fichier n'est pas un classeur XLSX lisible ({error.__class__.__name__})."]
        ) from None
    sheets = {sheet.title: sheet for sheet in book.sheets()}
    errors = []
    result: dict[str, list[tuple[int, dict]]] = {}
    for title, refs in SHEETS:
        sheet = sheets.get(title)
        if sheet is None:
            errors.append(f"feuille « {title} » : absente du classeur.")
            continue
        expected = refs + SHEET_COLUMNS[title]
        headers = [str(header or "") for header in sheet.headers or []]
        for header in headers:
            if header not in expected:
                errors.append(f"feuille « {title} », colonne « {header} » : colonne inconnue.")
        result[title] = [
            (
                number,
                {header: _uncell(value) for header, value in zip(headers, row, strict=False) if header in expected},
            )
            for number, row in enumerate(sheet, start=2)
            if any(value not in (None, "") for value in row)
        ]
    if errors:
        raise InterchangeError(errors)
    return result


def _strip(row: dict, refs: list[str]) -> dict:
    return {key: value for key, value in row.items() if key not in refs and value is not None}


def _column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA, as a spreadsheet names its columns."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


class WorkbookPlaces:
    """Where each part of a document rebuilt from a workbook came from: its sheet, row and column.

    The reader names a problem by its place in the document (« calls[0].themes[1].sessions[0].closes_at »);
    staff who filled a workbook read « feuille « sessions », ligne 4, colonne E « closes_at » » instead.
    """

    def __init__(self):
        self.document: dict = {}  # set once the workbook is read
        self.rows: dict[int, tuple[str, int]] = {}  # id of a row's dict → (sheet, row number)
        self.cells: dict[tuple[int, str], tuple[str, int]] = {}  # (id of a dict, key) set from another sheet

    def row(self, item: dict, sheet: str, number: int) -> dict:
        self.rows[id(item)] = (sheet, number)
        return item

    def describe(self, where: str, message: str) -> str:
        """The problem with its sheet, row and column; the document's place when no cell holds it."""
        origin, column, detail = self._locate(where)
        if origin is None:
            return f"classeur : {message}" if where in ("", "document", "format", "calls") else f"{where} : {message}"
        sheet, number = origin
        place = f"feuille « {sheet} », ligne {number}"
        headers = dict(SHEETS)[sheet] + SHEET_COLUMNS[sheet]
        if column in headers:
            place += f", colonne {_column_letter(headers.index(column))} « {column} »"
            if detail:
                place += f" ({field_label(detail)})"
        return f"{place} : {message}"

    def _locate(self, where: str) -> tuple[tuple[str, int] | None, str | None, str]:
        node: Any = self.document
        origin = None
        pieces = where.split(".") if where else []
        for position, piece in enumerate(pieces):
            key, *indices = piece.replace("]", "").split("[")
            if not isinstance(node, dict) or key not in node:
                return origin, key, ".".join(pieces[position + 1 :])
            if (id(node), key) in self.cells:
                return self.cells[(id(node), key)], key, ".".join(pieces[position + 1 :])
            value = node[key]
            for index in indices:
                value = value[int(index)] if isinstance(value, list) and int(index) < len(value) else None
            if isinstance(value, dict) and id(value) in self.rows:
                node, origin = value, self.rows[id(value)]
                continue
            if isinstance(value, list) and not indices:
                return origin, None, ""  # a problem with a whole list: the row that holds it
            return origin, key, ".".join(pieces[position + 1 :])
        return origin, None, ""


def workbook_read(content: bytes) -> tuple[dict, WorkbookPlaces]:
    """Rebuild the "portal-call/1" document from a workbook written by `call_workbook_export`, with
    where each of its parts came from."""
    sheets = _read_sheets(content)
    places = WorkbookPlaces()
    errors: list[str] = []
    programmes = sheets["programme"]
    if len(programmes) != 1:
        raise InterchangeError(["feuille « programme » : une seule ligne est attendue."])
    calls = {row.get("slug"): places.row(_strip(row, []), "appels", number) for number, row in sheets["appels"]}
    themes: dict[tuple, dict] = {}

    def owner(sheet: str, number: int, row: dict) -> dict | None:
        call = calls.get(row.get("appel"))
        if call is None:
            errors.append(f"feuille « {sheet} », ligne {number} : appel « {row.get('appel')} » inconnu.")
            return None
        if not row.get("thème"):
            return call
        theme = themes.get((row.get("appel"), str(row.get("thème"))))
        if theme is None:
            errors.append(f"feuille « {sheet} », ligne {number} : thème « {row.get('thème')} » inconnu.")
        return theme

    for number, row in sheets["thèmes"]:
        if (call := owner("thèmes", number, {"appel": row.get("appel")})) is not None:
            theme = places.row(_strip(row, ["appel"]), "thèmes", number)
            theme["code"] = str(theme.get("code", ""))
            call.setdefault("themes", []).append(theme)
            themes[(row.get("appel"), theme["code"])] = theme
    for sheet, key in (
        ("sessions", "sessions"),
        ("phases", "phases"),
        ("pièces", "required_documents"),
        ("réunions", "info_sessions"),
    ):
        for number, row in sheets[sheet]:
            if (target := owner(sheet, number, row)) is not None:
                target.setdefault(key, []).append(places.row(_strip(row, ["appel", "thème"]), sheet, number))
    for number, row in sheets["formulaires"]:
        if (target := owner("formulaires", number, row)) is not None:
            target.update({key: row[key] for key in FORM_KEYS if row.get(key)})
            places.cells[(id(target), "form")] = ("formulaires", number)
    criteria_by_code: dict[tuple, dict] = {}
    for number, row in sheets["critères"]:
        target = owner("critères", number, row)
        if target is None:
            continue
        criterion = places.row(_strip(row, ["appel", "thème", "critère parent"]), "critères", number)
        criterion["code"] = str(criterion.get("code", ""))
        place = (row.get("appel"), row.get("thème") or "")
        parent_code = row.get("critère parent")
        if parent_code:
            parent = criteria_by_code.get((*place, str(parent_code)))
            if parent is None:
                errors.append(
                    f"feuille « critères », ligne {number} : critère parent « {parent_code} » inconnu (il doit précéder)."
                )
                continue
            parent.setdefault("sub_criteria", []).append(criterion)
        else:
            target.setdefault("criteria", []).append(criterion)
        criteria_by_code[(*place, criterion["code"])] = criterion
    if errors:
        raise InterchangeError(errors)
    programme_number, programme = programmes[0]
    document = {
        "format": FORMAT,
        "programme": places.row(_strip(programme, []), "programme", programme_number),
        "calls": list(calls.values()),
    }
    places.document = document
    return document, places


def workbook_document(content: bytes) -> dict:
    """The "portal-call/1" document a workbook written by `call_workbook_export` holds."""
    return workbook_read(content)[0]


def call_workbook_import(*, content: bytes, actor=None) -> list[Call]:
    """Import the calls of a workbook as drafts; a refusal names each problem's sheet, row and column."""
    document, places = workbook_read(content)
    try:
        return call_document_import(data=document, actor=actor)
    except InterchangeError as error:
        raise error.located(places.describe) from None
