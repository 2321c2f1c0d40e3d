"""What a convention's PDF says: parties, object, money, schedule, indicators and annexes."""

from __future__ import annotations

from django.utils import timezone
from django.utils.safestring import mark_safe

from applications.evaluation import dossier_evaluation
from funding.models import Convention
from funding.periods import (
    REPORT_GRACE_DAYS,
    add_months,
    due_date,
    indicator_items,
    periods_between,
    reporting_frequency,
)
from funding.placeholders import fill_placeholders
from portal.templatetags.portal_format import format_euros


def placeholder_values(convention: Convention, evaluation) -> dict[str, str]:
    dossier = convention.dossier
    call = dossier.theme.call
    return {
        "reference": dossier.reference,
        "acronyme": dossier.acronym,
        "titre": dossier.title,
        "porteur": dossier.organisation.name,
        "programme": call.programme.name,
        "fonds": call.programme.fund,
        "appel": call.title,
        "theme": f"{dossier.theme.code} — {dossier.theme.title}",
        "montant": format_euros(convention.amount),
        "cout_total": format_euros(evaluation.total_cost) if evaluation else "",
        "part_porteur": format_euros(evaluation.carrier_share) if evaluation else "",
        "debut": convention.start_on.strftime("%d/%m/%Y") if convention.start_on else "",
        "duree_mois": str(convention.duration_months or ""),
        "version": str(convention.version),
    }


def answers_annex(dossier, answers: dict) -> list[dict]:
    """The technical annex: the frozen answers with their labels, section by section."""
    schema = dossier.form_definition.schema if dossier.form_definition_id else {"sections": []}
    sections = []
    for section in schema.get("sections", []):
        rows = [
            {"label": field["label"], "value": answers.get(field["key"])}
            for field in section.get("fields", [])
            if answers.get(field["key"]) not in (None, "", [])
        ]
        if rows:
            sections.append({"title": section.get("title", ""), "rows": rows})
    return sections


def convention_document_context(convention: Convention) -> dict:
    dossier = convention.dossier
    evaluation = dossier_evaluation(dossier)
    template = convention.template
    # The body is the programme staff's own HTML; every substituted value is escaped by fill_placeholders.
    body = fill_placeholders(template.body, placeholder_values(convention, evaluation)) if template else ""
    clauses = mark_safe(body)  # noqa: S308
    # The annex is the version staff and jurors read: the last submission, not later edits.
    snapshot = dossier.snapshots.order_by("-number").first()
    answers = snapshot.content.get("answers", {}) if snapshot else dossier.answers
    # Before the project has started the calendar is counted from its estimated start, and says so.
    start_on = convention.estimated_start
    end_on = add_months(start_on, convention.duration_months) if convention.duration_months else None
    return {
        "convention": convention,
        "dossier": dossier,
        "programme": dossier.theme.call.programme,
        "call": dossier.theme.call,
        "theme": dossier.theme,
        "organisation": dossier.organisation,
        "partners": dossier.partners.select_related("organisation"),
        "evaluation": evaluation,
        "budget_lines": dossier.budget_lines.all(),
        "tranches": convention.tranches.select_related("milestone"),
        "milestones": convention.milestones.order_by("order", "pk"),
        "indicators": indicator_items(dossier.theme),
        "frequency": reporting_frequency(dossier.theme),
        "reporting_calendar": [
            {"start": start, "end": end, "due_on": due_date(end)}
            for start, end in (periods_between(start_on, end_on, reporting_frequency(dossier.theme)) if end_on else [])
        ],
        "grace_days": REPORT_GRACE_DAYS,
        "commitments": dossier.theme.commitments or [],
        "technical_annex": answers_annex(dossier, answers),
        "snapshot": snapshot,
        "template": template,
        "clauses": clauses,
        "end_on": end_on,
        "calendar_estimated": convention.project_start is None,
        "generated_at": timezone.localtime(),
    }
