"""DDE: a field code or a spreadsheet formula that asks Office or LibreOffice to start another program."""

import re

DDE_FIELDS = frozenset({"DDE", "DDEAUTO"})
# Stands, in a Word field code, for the result of a field nested there.
NESTED_FIELD = "\uffff"
FIELD_COMMAND = re.compile(r'\s*"?(\uffff|[A-Za-z]+)')
# Quoted strings and quoted sheet names, where `|` and `DDE(` are only text.
FORMULA_LITERALS = re.compile(r"\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*'")
ODF_DDE_CALL = re.compile(r"\bDDE\s*\(", re.IGNORECASE)


def is_dde_field(code: str) -> bool:
    """A Word field whose command is DDE or DDEAUTO, or is computed by a nested field.

    The second case is how DDE hides from a plain reading: `{ {QUOTE 68 68 69 …} "c:\\…" }`.
    """
    match = FIELD_COMMAND.match(code)
    if match is None:
        return False
    command = match[1]
    return command == NESTED_FIELD or command.upper() in DDE_FIELDS


def is_dde_excel_formula(formula: str) -> bool:
    """`=cmd|' /c calc'!A0`: outside strings and sheet names, `|` means only a DDE link."""
    return "|" in FORMULA_LITERALS.sub("", formula)


def is_dde_odf_formula(formula: str) -> bool:
    """`of:=DDE("soffice";…)`: LibreOffice's DDE function."""
    return ODF_DDE_CALL.search(FORMULA_LITERALS.sub("", formula)) is not None
