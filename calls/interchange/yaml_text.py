"""Calls as YAML text: the demo's files, staff exports and imports (docs/call-format.md)."""

from __future__ import annotations

from pathlib import Path

import yaml

from calls.models import Call

from .exporting import call_document_export
from .importing import call_document_import, call_document_load
from .schema import InterchangeError


def yaml_document(content: str | bytes) -> dict:
    """The document a YAML text holds, or an InterchangeError saying why it cannot be read."""
    try:
        return yaml.safe_load(content)
    except yaml.YAMLError as error:
        raise InterchangeError([f"YAML illisible : {error}"]) from None


def call_file_import(*, path: Path, actor=None) -> list[Call]:
    """Load a source document shipped with the portal: its calls take the status the file states."""
    with Path(path).open(encoding="utf-8") as handle:
        return call_document_load(data=yaml.safe_load(handle), actor=actor)


def call_yaml_import(*, content: str | bytes, actor=None) -> list[Call]:
    """Import calls written in YAML as drafts (see `call_document_import`)."""
    return call_document_import(data=yaml_document(content), actor=actor)


def call_yaml_export(*, call: Call) -> str:
    return yaml.safe_dump(call_document_export(call=call), allow_unicode=True, sort_keys=False, width=110)
