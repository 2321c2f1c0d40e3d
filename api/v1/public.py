"""Public resources, without a token: what the site shows to any visitor (published and closed calls,
their themes and sessions, the laureates as open data)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from api.v1.pagination import PageParams, keyset_page
from api.v1.schemas import PUBLIC_ERRORS, CallOut, CallPage, LaureatePage, SessionOut, ThemeOut, bilingual
from applications.publication import LICENCE, SCHEMA_URL, laureates_open_data, scdl_row
from calls.models import Session, Theme
from calls.selectors import public_calls

router = Router(tags=["Appels, thèmes, sessions et lauréats (public)"])


class CallFilters(Schema):
    programme: str | None = Field(None, description=bilingual("Identifiant lisible du programme.", "Programme slug."))


@router.get("/calls", response={200: CallPage, **PUBLIC_ERRORS}, url_name="call_list", summary="Appels publiés")
def call_list(request, filters: Query[CallFilters], page: Query[PageParams]):
    """Les appels publiés ou clos, du plus ancien identifiant au plus récent. *Published and closed calls.*"""
    calls = public_calls().select_related("programme")
    if filters.programme:
        calls = calls.filter(programme__slug=filters.programme)
    return keyset_page(request, calls, page)


@router.get("/calls/{call_id}", response={200: CallOut, **PUBLIC_ERRORS}, url_name="call_detail", summary="Un appel")
def call_detail(request, call_id: int):
    return get_object_or_404(public_calls().select_related("programme"), pk=call_id)


class ThemeFilters(Schema):
    call: int | None = Field(None, description=bilingual("Identifiant de l'appel.", "Call id."))


@router.get("/themes", response={200: list[ThemeOut], **PUBLIC_ERRORS}, url_name="theme_list", summary="Thèmes")
def theme_list(request, filters: Query[ThemeFilters]):
    """Les thèmes des appels publiés ou clos. *Themes of published and closed calls.*"""
    themes = Theme.objects.filter(call__in=public_calls()).order_by("call_id", "order", "code", "pk")
    if filters.call:
        themes = themes.filter(call_id=filters.call)
    return list(themes)


@router.get(
    "/themes/{theme_id}", response={200: ThemeOut, **PUBLIC_ERRORS}, url_name="theme_detail", summary="Un thème"
)
def theme_detail(request, theme_id: int):
    return get_object_or_404(Theme.objects.filter(call__in=public_calls()), pk=theme_id)


class SessionFilters(Schema):
    call: int | None = Field(None, description=bilingual("Identifiant de l'appel.", "Call id."))
    theme: int | None = Field(None, description=bilingual("Identifiant du thème.", "Theme id."))


@router.get(
    "/sessions", response={200: list[SessionOut], **PUBLIC_ERRORS}, url_name="session_list", summary="Sessions de dépôt"
)
def session_list(request, filters: Query[SessionFilters]):
    """Les sessions de dépôt, par ordre d'ouverture. *Deposit sessions, by opening.*"""
    sessions = Session.objects.filter(theme__call__in=public_calls()).order_by("opens_at", "pk")
    if filters.call:
        sessions = sessions.filter(theme__call_id=filters.call)
    if filters.theme:
        sessions = sessions.filter(theme_id=filters.theme)
    return list(sessions)


@router.get(
    "/sessions/{session_id}",
    response={200: SessionOut, **PUBLIC_ERRORS},
    url_name="session_detail",
    summary="Une session",
)
def session_detail(request, session_id: int):
    return get_object_or_404(Session.objects.filter(theme__call__in=public_calls()), pk=session_id)


class LaureateFilters(Schema):
    programme: str | None = Field(None, description=bilingual("Identifiant lisible du programme.", "Programme slug."))
    call: str | None = Field(None, description=bilingual("Identifiant lisible de l'appel.", "Call slug."))
    theme: str | None = Field(None, description=bilingual("Code du thème.", "Theme code."))


@router.get(
    "/laureates", response={200: LaureatePage, **PUBLIC_ERRORS}, url_name="laureate_list", summary="Lauréats (SCDL)"
)
def laureate_list(request, filters: Query[LaureateFilters], page: Query[PageParams]):
    """Les subventions accordées au format national SCDL « subventions », comme le fichier de données ouvertes
    du site. *Grants in the national SCDL "subventions" shape, as the site's open-data file.*"""
    laureates = laureates_open_data(
        programme_slug=filters.programme or "", call_slug=filters.call or "", theme_code=filters.theme or ""
    )
    result = keyset_page(request, laureates, page)
    return {
        **result,
        "items": [scdl_row(dossier) for dossier in result["items"]],
        "licence": LICENCE,
        "schema_url": SCHEMA_URL,
    }
