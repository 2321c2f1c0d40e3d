"""What a dossier's full-text search reads, built from its deposited version (a plain JSON dict).

Pure function on the snapshot's content, so that the deposit, the complement answer and the migration
that fills the existing dossiers build the same text.
"""


def _texts(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, str) and value.strip():
        yield value.strip()


def search_text_of(content: dict) -> str:
    """Acronym, title, summary, every text answer, carrier, partners and document names, one per line."""
    project = content.get("project") or {}
    parts = [
        content.get("reference") or "",
        project.get("acronym") or "",
        project.get("title") or "",
        project.get("summary") or "",
        (content.get("organisation") or {}).get("name") or "",
        *_texts(content.get("answers") or {}),
        *(partner.get("organisation") or "" for partner in content.get("partners") or []),
        *(document.get("name") or "" for document in content.get("documents") or []),
    ]
    return "\n".join(part for part in parts if part)
