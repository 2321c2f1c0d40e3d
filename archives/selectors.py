"""What a control body receives about a dossier, read within the requester's staff scope.

The archives stand above the apps (pyproject.toml's top layer): a whole dossier joins the submitted
version (applications), the rule's calculation (calls through applications.evaluation), the juries'
decisions (juries) and the convention and its payments (funding), and none of those apps may import
another one above it.
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.text import get_valid_filename

from applications.evaluation import derogation_of, dossier_evaluation
from applications.models import Dossier
from applications.selectors import dossiers_of_staff, snapshot_budget, snapshot_documents
from applications.views.dossier import schema_of, section_answers
from calls.models import Session
from funding.selectors import conventions_of, payments_of
from juries.models import Decision
from portal.selectors import user_roles


def archivable_dossiers(user) -> QuerySet[Dossier]:
    """The submitted dossiers `user` may see as staff (instructor groups narrow it): nothing for anyone
    else, so that an applicant or a juror finds no archive of any dossier (404)."""
    return dossiers_of_staff(user).filter(submitted_at__isnull=False)


def archive_dossier_or_404(user, pk: int) -> Dossier:
    queryset = archivable_dossiers(user).select_related(
        "theme__call__programme", "session", "organisation", "form_definition", "rule_version"
    )
    return get_object_or_404(queryset, pk=pk)


def archive_session_or_404(user, session_id: int) -> Session:
    """A session of one of the user's programmes (any session for an admin); 404 otherwise."""
    session = get_object_or_404(Session.objects.select_related("theme__call__programme"), pk=session_id)
    if not user_roles(user).is_staff_of(session.theme.call.programme_id):
        raise Http404
    return session


def session_archive_dossiers(user, session: Session) -> QuerySet[Dossier]:
    """The session's submitted dossiers that `user` may see, by reference: exactly what its archive holds."""
    return archivable_dossiers(user).filter(session=session).order_by("reference")


def dossiers_still_visible(user, dossier_ids: list[int]) -> bool:
    """Whether `user` may still see every one of these dossiers (checked again when an archive is downloaded)."""
    return archivable_dossiers(user).filter(pk__in=dossier_ids).count() == len(set(dossier_ids))


def file_slug(text: str) -> str:
    """A name safe in a ZIP on every system (no separator, no odd character), from a reference or file name."""
    return get_valid_filename(text.replace("/", "-")) or "fichier"


@dataclass(frozen=True)
class StoredFile:
    """A stored file of a dossier as the archive names it: its path in the zip, its kind, the FieldFile."""

    path: str
    kind: str
    file: object


def dossier_record(dossier: Dossier) -> dict:
    """Everything the whole-dossier PDF shows, from the submitted version (its latest snapshot) and the
    decisions, conventions and payments since. A query or so per part: built once per dossier in a task."""
    snapshots = list(dossier.snapshots.select_related("submitted_by").order_by("number"))
    snapshot = snapshots[-1] if snapshots else None
    content = snapshot.content if snapshot else {}
    conventions = list(conventions_of(dossier))
    return {
        "dossier": dossier,
        "snapshot": snapshot,
        "submitted_at": timezone.localtime(snapshot.submitted_at) if snapshot else None,
        "content": content,
        "sections": [
            {"section": section, "answers": section_answers(section, content.get("answers", {}))}
            for section in schema_of(dossier).get("sections", [])
        ],
        "budget": snapshot_budget(content),
        "evaluation": dossier_evaluation(dossier),
        "derogation": derogation_of(dossier),
        "partners": content.get("partners", []),
        "documents": snapshot_documents(content, dossier.theme),
        "receipts": snapshots,
        "decisions": list(
            Decision.objects.filter(dossier=dossier)
            .select_related("deliberation", "jury", "target_session")
            .order_by("deliberation__recorded_at", "pk")
        ),
        "history": list(dossier.state_changes.select_related("actor")),
        "conventions": conventions,
        "payments": list(payments_of(dossier)),
        "generated_at": timezone.localtime(),
    }


def dossier_files(dossier: Dossier, record: dict) -> list[StoredFile]:
    """The stored files an archive holds for the dossier, each under its dossier's folder: every attachment
    (pieces and files sent with messages), the receipts, the decision letters, the conventions as generated
    and as signed."""
    folder = file_slug(dossier.reference)
    files = [
        StoredFile(f"{folder}/pieces/{attachment.pk}-{file_slug(attachment.original_name)}", "piece", attachment.file)
        for attachment in dossier.attachments.order_by("pk")
    ]
    files += [
        StoredFile(f"{folder}/recepisses/recepisse-{snapshot.number}.pdf", "recepisse", snapshot.receipt)
        for snapshot in record["receipts"]
        if snapshot.receipt
    ]
    files += [
        StoredFile(f"{folder}/decisions/lettre-decision-{decision.pk}.pdf", "lettre_decision", decision.letter)
        for decision in record["decisions"]
        if decision.letter
    ]
    for convention in record["conventions"]:
        if convention.pdf:
            files.append(
                StoredFile(f"{folder}/conventions/convention-v{convention.version}.pdf", "convention", convention.pdf)
            )
        if convention.signed_file:
            extension = convention.signed_file.name.rsplit(".", 1)[-1].lower()
            files.append(
                StoredFile(
                    f"{folder}/conventions/convention-v{convention.version}-signee.{extension}",
                    "convention_signee",
                    convention.signed_file,
                )
            )
    return files
