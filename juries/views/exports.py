"""Spreadsheet exports (XLSX, ODS, CSV): the juror's own sheets (never a conflicted dossier), and the
staff's ranking and score sheets of a jury they may see. Every export is audited."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

from juries import selectors
from juries.permissions import require_juror, require_staff
from juries.resources import (
    EvaluationResource,
    RankingResource,
    own_sheets,
    submitted_sheets,
)
from portal.exports import FORMATS, dataset_response
from portal.http import client_ip
from portal.services import audit_record


def _export(request, *, what: str, jury, resource, rows, title: str, filename: str, fmt: str) -> HttpResponse:
    audit_record(
        actor=request.user,
        action=f"export.{what}",
        target=jury,
        data={"format": fmt},
        ip_address=client_ip(request),
    )
    dataset = resource.export(rows)
    dataset.title = title
    return dataset_response(dataset=dataset, filename=filename, fmt=fmt)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Http404


@login_required
def juror_export(request, jury_id: int, fmt: str):
    _check_format(fmt)
    require_juror(request.user)
    member = selectors.member_or_404(request.user, jury_id)
    return _export(
        request,
        what="juror_sheets",
        jury=member.jury,
        fmt=fmt,
        title=_("Mes évaluations"),
        filename=f"mes-evaluations-jury-{jury_id}",
        rows=own_sheets(member),
        resource=EvaluationResource(selectors.grid_spec(member.jury), own=True),
    )


@login_required
def evaluations_export(request, jury_id: int, fmt: str):
    _check_format(fmt)
    require_staff(request.user)
    jury = selectors.staff_jury_or_404(request.user, jury_id)
    return _export(
        request,
        what="jury_evaluations",
        jury=jury,
        fmt=fmt,
        title=_("Évaluations"),
        filename=f"evaluations-jury-{jury.pk}",
        rows=submitted_sheets(jury),
        resource=EvaluationResource(selectors.grid_spec(jury)),
    )


@login_required
def ranking_export(request, jury_id: int, fmt: str):
    _check_format(fmt)
    require_staff(request.user)
    jury = selectors.staff_jury_or_404(request.user, jury_id)
    return _export(
        request,
        what="jury_ranking",
        jury=jury,
        fmt=fmt,
        title=_("Classement"),
        filename=f"classement-jury-{jury.pk}",
        resource=RankingResource(),
        rows=selectors.ranking(jury, entries=True),
    )
