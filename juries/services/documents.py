"""Minutes (procès-verbal) and decision letters, as PDF files; idempotent, run by Celery."""

from __future__ import annotations

from django.db import models, transaction
from django.urls import reverse

from applications.models import Dossier
from applications.recipients import carrier_members
from juries import scoring
from juries.models import Consensus, Decision, Deliberation, Hearing, letter_path, minutes_path
from juries.selectors import grid_spec
from portal.pdf import render_pdf
from portal.services import audit_record, notify
from portal.services.files import document_store


def minutes_generate(*, deliberation_id: int) -> Deliberation:
    """Render the minutes once: members present, abstentions for conflicts, ranking, the hearings held or
    scheduled for the decided dossiers, decisions with their amounts and conditions.

    Under the deliberation's row lock, at one name per deliberation: a second run finds the minutes and
    does nothing; a run that fails before its commit leaves a file the next run overwrites.
    """
    with transaction.atomic():
        deliberation = (
            Deliberation.objects.select_for_update(of=("self",))
            .select_related("jury__call__programme", "jury__theme", "jury__session", "recorded_by", "override_by__user")
            .get(pk=deliberation_id)
        )
        if deliberation.minutes:
            return deliberation
        pdf = render_pdf(
            "juries/pdf/minutes.html",
            {
                "deliberation": deliberation,
                "jury": deliberation.jury,
                "members": deliberation.members_present.select_related("user"),
                "decisions": deliberation.decisions.select_related(
                    "dossier__organisation", "target_session__theme"
                ).prefetch_related("condition_items"),
                "ranking": deliberation.ranking,
                "hearings": Hearing.objects.filter(
                    jury=deliberation.jury, dossier__decisions__deliberation=deliberation
                ).select_related("dossier", "recorded_by"),
            },
        )
        document_store(deliberation, "minutes", minutes_path(deliberation, ""), pdf)
        deliberation.save(update_fields=["minutes"])
        audit_record(actor=None, action="juries.minutes_generate", target=deliberation)
    return deliberation


def letter_context(decision: Decision) -> dict:
    """What a decision letter says; a refusal gives its reasons with the consensus scores and comments."""
    jury = decision.deliberation.jury
    consensus = Consensus.objects.filter(jury=jury, dossier=decision.dossier).first()
    criteria = []
    if consensus is not None:
        for item in scoring.leaves(grid_spec(jury, decision.dossier.theme if jury.theme_id is None else None)):
            entry = consensus.scores.get(item.code) or {}
            criteria.append(
                {"item": item, "score": entry.get("score"), "na": entry.get("na"), "comment": entry.get("comment")}
            )
    return {
        "decision": decision,
        "dossier": decision.dossier,
        "jury": jury,
        "consensus": consensus,
        "criteria": criteria,
    }


def letters_generate(*, deliberation_id: int) -> int:
    """Render each missing letter and tell the carrier's members; returns how many were made.

    Each decision's row is locked while its letter is made: two runs never make one letter twice.
    """
    made = 0
    for decision_id in Decision.objects.filter(deliberation_id=deliberation_id, letter="").values_list("pk", flat=True):
        with transaction.atomic():
            decision = (
                Decision.objects.select_for_update(of=("self",))
                .select_related(
                    "deliberation__jury__call__programme",
                    "deliberation__jury__theme",
                    "dossier__organisation",
                    "dossier__theme",
                    "target_session__theme",
                )
                .get(pk=decision_id)
            )
            if decision.letter:
                continue
            pdf = render_pdf("juries/pdf/decision_letter.html", letter_context(decision))
            document_store(decision, "letter", letter_path(decision, ""), pdf)
            decision.save(update_fields=["letter"])
            dossier: Dossier = decision.dossier
            notify(
                "jury_decision",
                recipients=carrier_members(dossier),
                context={"dossier": dossier, "decision": decision},
                link=reverse("juries:decision_letter", args=[decision.pk]),
            )
        made += 1
    return made


def documents_sweep() -> int:
    """Generate every missing minutes or letter; returns how many deliberations were completed."""
    pending = Deliberation.objects.filter(models.Q(minutes="") | models.Q(decisions__letter="")).distinct()
    done = 0
    for deliberation_id in pending.values_list("pk", flat=True):
        minutes_generate(deliberation_id=deliberation_id)
        letters_generate(deliberation_id=deliberation_id)
        done += 1
    return done
