"""A convention version's milestones: pre-filled from what the dossier declared, carried from one version
to the next, and made the project's live milestones when the version enters into force.

Every version owns its milestone rows. The first convention's rows are the project's live ones
(`is_current`) from the start; an amendment works on copies that replace the live rows only once it
is in force, so that a change staff draft never applies before both parties have signed it.
"""

from __future__ import annotations

from applications.models import Dossier
from funding.models import Convention, Milestone
from funding.periods import add_months

# What a declaration, a validation or a refusal writes on a milestone: carried to its copies.
PROGRESS_FIELDS = (
    "status",
    "declared_at",
    "declared_by_id",
    "evidence_note",
    "evidence",
    "evidence_name",
    "reviewed_at",
    "reviewed_by_id",
    "refusal_reason",
)


def declared_milestones(dossier: Dossier) -> list[dict]:
    """What the dossier declared, as {label, month, deliverable, template}: the carrier's planned
    milestones (its project phase's for a phase dossier), else the milestone templates of its phase,
    spread evenly over its duration."""
    rows = [
        {
            "label": item.get("label", ""),
            "month": item.get("month"),
            "deliverable": item.get("deliverable", ""),
            "template": None,
        }
        for item in dossier.planned_milestones or []
        if isinstance(item, dict) and item.get("label")
    ]
    if rows or dossier.phase_id is None:
        return rows
    templates = list(dossier.phase.milestones.all())
    duration = dossier.duration_months
    return [
        {
            "label": template.label,
            "month": round(duration * index / len(templates)) if duration else None,
            "deliverable": template.description,
            "template": template,
        }
        for index, template in enumerate(templates, start=1)
    ]


def milestones_prefill(dossier: Dossier, convention: Convention) -> list[Milestone]:
    """The first version's milestones: those the dossier already had (made before versions carried
    them), else created from what the dossier declared (none when it declared none)."""
    orphans = Milestone.objects.filter(dossier=dossier, convention__isnull=True)
    if orphans.exists():
        orphans.update(convention=convention)
        return list(Milestone.objects.filter(convention=convention).order_by("order", "pk"))
    start = convention.estimated_start
    created = []
    for order, item in enumerate(declared_milestones(dossier), start=1):
        month = item["month"]
        created.append(
            Milestone.objects.create(
                dossier=dossier,
                convention=convention,
                template=item["template"],
                order=order,
                label=item["label"][:255],
                deliverable=item["deliverable"],
                due_on=add_months(start, int(month)) if isinstance(month, int) and month >= 0 else None,
            )
        )
    return created


def milestones_carry(*, source: Convention, target: Convention, live: bool) -> dict[int, Milestone]:
    """Copy `source`'s milestones into the new version `target`; {source milestone pk: its copy}.

    `live`: the copies are the project's milestones at once (no version is in force yet); otherwise
    they wait for `target` to enter into force. A draft that is replaced stops being live.
    """
    copies = {}
    for milestone in Milestone.objects.filter(convention=source).order_by("order", "pk"):
        copy = Milestone.objects.get(pk=milestone.pk)
        copy.pk = None
        copy.convention = target
        copy.is_current = live
        # The chain points at the live milestone: an in-force source's own, else the one its copy stood for.
        copy.previous_id = milestone.pk if source.status == Convention.Status.IN_FORCE else milestone.previous_id
        copy.save()
        copies[milestone.pk] = copy
    if source.status != Convention.Status.IN_FORCE:
        Milestone.objects.filter(convention=source).update(is_current=False)
    return copies


def milestones_take_effect(convention: Convention) -> None:
    """An amendment enters into force: its milestones become the live ones, each carrying the progress
    (declaration, validation) its predecessor made while the amendment was being signed."""
    own = list(Milestone.objects.filter(convention=convention).select_related("previous"))
    if not own:
        return
    for milestone in own:
        previous = milestone.previous
        if previous is not None and previous.status != milestone.status and previous.is_current:
            for name in PROGRESS_FIELDS:
                setattr(milestone, name, getattr(previous, name))
        milestone.is_current = True
        milestone.save()
    Milestone.objects.filter(dossier_id=convention.dossier_id, is_current=True).exclude(convention=convention).update(
        is_current=False
    )


def current_milestones(dossier: Dossier):
    """The project's live milestones, in order."""
    return Milestone.objects.filter(dossier=dossier, is_current=True).order_by("order", "pk")
