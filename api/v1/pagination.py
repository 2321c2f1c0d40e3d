"""Keyset (cursor) pagination: each page starts where the previous one ended, whatever was written since.

Pages are read in a fixed order, (updated_at, id) for dossiers and the id elsewhere; the cursor
carries the last row's key. A page is one range read on an index, so the hundredth page costs what
the first does, and rows changed or added meanwhile are neither skipped nor repeated (a row that
changes moves to the end, where an incremental sync finds it).
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from urllib.parse import urlencode

from django.db.models import QuerySet
from ninja import Field, Schema

from api.v1.errors import CursorInvalid
from api.v1.schemas import bilingual

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


class PageParams(Schema):
    cursor: str | None = Field(
        None,
        description=bilingual(
            "Curseur rendu par la page précédente (`next_cursor`) ; absent pour la première page.",
            "Cursor returned by the previous page (`next_cursor`); omit it for the first page.",
        ),
    )
    limit: int = Field(
        DEFAULT_LIMIT,
        ge=1,
        le=MAX_LIMIT,
        description=bilingual("Nombre d'éléments par page (1 à 500).", "Items per page (1 to 500)."),
    )


def _encode(values: list) -> str:
    raw = json.dumps([value.isoformat() if isinstance(value, datetime) else value for value in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, order: tuple[str, ...]) -> list:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(order) or not isinstance(values[-1], int):
            raise CursorInvalid
        if len(order) == 2:
            values[0] = datetime.fromisoformat(values[0])
            if values[0].tzinfo is None:
                raise CursorInvalid
        return values
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as error:
        raise CursorInvalid from error


def keyset_page(request, queryset: QuerySet, params: PageParams, *, order: tuple[str, ...] = ("pk",)) -> dict:
    """One page of `queryset` in `order` (("pk",) or (a datetime field, "pk")), ascending.

    Returns {"items", "next_cursor", "next"}: the cursor and the full address of the next page, both
    None on the last page. Reads `limit + 1` rows to know whether another page follows.
    """
    if params.cursor:
        values = _decode(params.cursor, order)
        if len(order) == 1:
            queryset = queryset.filter(pk__gt=values[0])
        else:
            # A range on the index's first column, then the tie on the id: the database starts at the cursor.
            field = order[0]
            queryset = queryset.filter(**{f"{field}__gte": values[0]}).exclude(
                **{field: values[0], "pk__lte": values[1]}
            )
    rows = list(queryset.order_by(*order)[: params.limit + 1])
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    next_cursor = _encode([getattr(rows[-1], name) for name in order]) if more else None
    next_url = None
    if next_cursor:
        query = request.GET.copy()
        query["cursor"] = next_cursor
        next_url = request.build_absolute_uri(f"{request.path}?{urlencode(sorted(query.items()))}")
    return {"items": rows, "next_cursor": next_cursor, "next": next_url}
