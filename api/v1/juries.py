"""Juries of the token's programme (scope evaluations:read): their submitted evaluations, their ranking,
and the decisions. Read as the programme staff reads them: a conflicted juror's sheet counts nowhere."""

from __future__ import annotations

from django.http import Http404
from ninja import Field, Query, Router, Schema

from api import selectors
from api.v1.auth import token_with
from api.v1.pagination import PageParams, keyset_page
from api.v1.schemas import ERRORS, DecisionPage, EvaluationOut, JuryOut, RankingRowOut, bilingual
from juries import selectors as jury_selectors
from juries.resources import submitted_sheets

router = Router(tags=["Évaluations, classements et décisions"])
SCOPE = "evaluations:read"


def _jury(token, jury_id: int):
    jury = selectors.juries_for(token).filter(pk=jury_id).first()
    if jury is None:
        raise Http404
    return jury


@router.get("/juries", response={200: list[JuryOut], **ERRORS}, url_name="jury_list", summary="Jurys du programme")
def jury_list(request):
    return list(selectors.juries_for(token_with(request, SCOPE)).order_by("pk"))


@router.get(
    "/juries/{jury_id}/evaluations",
    response={200: list[EvaluationOut], **ERRORS},
    url_name="jury_evaluations",
    summary="Évaluations transmises d'un jury",
)
def jury_evaluations(request, jury_id: int):
    """Les fiches transmises, note et commentaire par critère ; celles d'un juré en conflit d'intérêts sur le
    dossier sont écartées. *Submitted sheets; a conflicted juror's are left out.*"""
    jury = _jury(token_with(request, SCOPE), jury_id)
    return [
        {
            "dossier": row.dossier,
            "juror": {"member_id": row.member.pk, "name": str(row.member.user)},
            "scores": {
                code: {
                    "score": cell.get("score") if cell.get("score") not in ("", None) else None,
                    "not_applicable": bool(cell.get("na")),
                    "comment": cell.get("comment") or "",
                }
                for code, cell in (row.evaluation.scores or {}).items()
            },
            "total": row.evaluation.total,
            "fails_threshold": row.evaluation.fails_threshold,
            "recommendation": row.evaluation.recommendation,
            "opinion": row.evaluation.opinion,
            "submitted_at": row.evaluation.submitted_at,
            "is_late": row.evaluation.is_late,
        }
        for row in submitted_sheets(jury)
    ]


@router.get(
    "/juries/{jury_id}/ranking",
    response={200: list[RankingRowOut], **ERRORS},
    url_name="jury_ranking",
    summary="Classement d'un jury",
)
def jury_ranking(request, jury_id: int):
    """Le classement de la page de délibération : note de consensus, sinon moyenne des jurés, départage du thème.
    *The deliberation page's ranking.*"""
    jury = _jury(token_with(request, SCOPE), jury_id)
    return [
        {
            "rank": row.rank,
            "dossier": row.dossier,
            "total": row.total,
            "source": row.source,
            "fails_threshold": row.fails,
            "evaluations": row.evaluations,
            "requested_amount": row.entry.requested_amount,
            "max_amount": row.entry.max_amount,
            "cumulative": row.cumulative,
            "decision": row.decision.kind if row.decision else None,
        }
        for row in jury_selectors.ranking(jury, entries=True)
    ]


class DecisionFilters(Schema):
    jury: int | None = Field(None, description=bilingual("Identifiant du jury.", "Jury id."))
    session: int | None = Field(None, description=bilingual("Session du dossier.", "Dossier's session."))
    dossier: int | None = Field(None, description=bilingual("Identifiant du dossier.", "Dossier id."))


@router.get(
    "/decisions", response={200: DecisionPage, **ERRORS}, url_name="decision_list", summary="Décisions du programme"
)
def decision_list(request, filters: Query[DecisionFilters], page: Query[PageParams]):
    decisions = selectors.decisions_for(token_with(request, SCOPE)).select_related("deliberation", "dossier")
    for lookup, value in (
        ("jury_id", filters.jury),
        ("dossier__session_id", filters.session),
        ("dossier_id", filters.dossier),
    ):
        if value is not None:
            decisions = decisions.filter(**{lookup: value})
    return keyset_page(request, decisions, page)
