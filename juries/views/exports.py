"""CSV exports: the juror's own sheets (never a conflicted dossier) and the staff's ranking."""

from django.contrib.auth.decorators import login_required

from juries import selectors
from juries.permissions import require_juror, require_staff
from portal.exports import csv_streaming_response


@login_required
def juror_export(request, jury_id: int):
    require_juror(request.user)
    member = selectors.member_or_404(request.user, jury_id)
    rows = selectors.juror_queue(member)
    return csv_streaming_response(
        filename=f"mes-evaluations-jury-{jury_id}",
        header=["Dossier", "Acronyme", "Porteur", "Mon évaluation", "Note (sur 100)", "Recommandation", "Transmise le"],
        rows=(
            [row.dossier.reference, row.dossier.acronym, row.dossier.organisation.name, row.own_status,
             *(_sheet(row.assignment.evaluation) if row.declared and hasattr(row.assignment, "evaluation") else ["", "", ""])]
            for row in rows
        ),
    )


def _sheet(evaluation) -> list:
    return [evaluation.total, evaluation.get_recommendation_display(), evaluation.submitted_at]


@login_required
def ranking_export(request, jury_id: int):
    require_staff(request.user)
    jury = selectors.staff_jury_or_404(request.user, jury_id)
    return csv_streaming_response(
        filename=f"classement-jury-{jury.pk}",
        header=["Rang", "Dossier", "Acronyme", "Porteur", "Note (sur 100)", "Source", "Évaluations", "Écart-type",
                "Écart max-min", "Sous un seuil", "Montant demandé", "Montant maximal", "Cumul", "Abstentions", "Décision",
                "Montant accordé"],
        rows=(
            [row.rank, row.dossier.reference, row.dossier.acronym, row.dossier.organisation.name, row.total, row.source,
             row.evaluations, row.dispersion.std_dev, row.dispersion.spread, row.fails, row.entry.requested_amount,
             row.entry.max_amount, row.cumulative, ", ".join(str(m) for m in row.abstentions),
             row.decision.get_kind_display() if row.decision else "", row.decision.granted_amount if row.decision else None]
            for row in selectors.ranking(jury)
        ),
    )
