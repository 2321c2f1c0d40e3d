"""No export runs a formula: every spreadsheet URL of the portal, requested over a world whose every
user-typed text is hostile, writes no cell that starts a formula.

The world holds one of everything an export reads (a dossier with its budget and convention,
tranches, milestone, payments and indicator report; a jury with sheets and a consensus; info
session registrations; audit events). Then every free-text field of every model of the portal
is overwritten with formula payloads (`plant_hostile_text`, found by introspection, so a new
field is hostile too), and each export is read back with the library that reads its format:
csv, openpyxl, odfpy (through tablib). A new export URL that is not listed in EXPORTS fails
`test_every_export_url_is_listed`.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import cycle

import openpyxl
import pytest
import tablib
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from applications.workflow import DossierState
from calls.models import Criterion, InfoSession, InfoSessionRegistration
from funding.models import Convention, IndicatorReport, Milestone, Payment
from juries.models import Assignment
from juries.services import conflicts, evaluation, juries
from portal.exports import inert_cell, text_from_inert, xlsx_bytes
from portal.models import Role
from portal.services import audit_record, role_assign
from tests.applications.factories import BudgetLineFactory, DossierFactory
from tests.calls.model_factories import SessionFactory, ThemeFactory
from tests.portal.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

# What an attacker types: each one runs in Excel or LibreOffice when a cell starts with it.
PAYLOADS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1", "  =1"]
FORMATS = ("csv", "xlsx", "ods")

# Text fields that hold no typed text, or a format the portal checks (a SIRET has a check
# key, a hash is computed): the rest of every model's CharField and TextField is planted.
NOT_TYPED_TEXT = {
    "portal.User.password",
    "portal.Organisation.siret",
    "calls.Programme.grantor_siret",
    "portal.AuditEvent.action",
    "portal.AuditEvent.target_id",
    "applications.Attachment.content_type",
    "applications.Attachment.sha256",
    "applications.DossierSnapshot.digest",
    "applications.StateChange.transition",
    "funding.Convention.sha256",
    "funding.Convention.signed_sha256",
    "juries.ConflictDeclaration.auto_flag",
    "funding.ReminderSent.kind",
    "funding.ReminderSent.object_key",
    "funding.ReminderOptOut.family",
}
# Outgoing e-mails are written by the portal from templates, never exported.
NOT_TYPED_MODELS = {"portal.OutboxMessage"}


def runs_as_formula(text: str) -> bool:
    """What a spreadsheet runs, checked independently of the writer under test."""
    return text[:1] in ("\t", "\r") or text.lstrip()[:1] in ("=", "+", "-", "@")


@dataclass(frozen=True)
class Export:
    """How to request one export URL: as whom, with which arguments, in which formats."""

    who: str
    kwargs: dict
    formats: tuple = FORMATS
    kinds: tuple = ("",)  # the funding export's `kind`


# Every URL whose name or route says it writes a file. `None`: not a spreadsheet, and why.
EXPORTS: dict[str, Export | None] = {
    "applications:staff_list_export": Export("staff", {}),
    "applications:budget_export": Export("applicant", {"pk": "funded"}, formats=("xlsx",)),
    "laureates:open_data_csv": Export("anonymous", {}, formats=("csv",)),
    "calls_staff:registrations_export": Export("staff", {"call_id": "call"}),
    "calls_exchange:export": Export("staff", {"call_id": "call"}, formats=("xlsx",)),
    "audit:call_audit_export": Export("staff", {"call_id": "call"}),
    "juries:juror_export": Export("juror", {"jury_id": "jury"}),
    "juries:evaluations_export": Export("staff", {"jury_id": "jury"}),
    "juries:ranking_export": Export("staff", {"jury_id": "jury"}),
    "funding:portfolio_export": Export("staff", {}, kinds=("conventions", "tranches", "paiements", "rapports")),
    # Built by the background task beyond EXPORT_ASYNC_THRESHOLD rows: requested below through
    # the dossier list export with the threshold at zero.
    "applications:export_job_download": None,
    "applications:export_job": None,  # the HTML page that follows the background export's progress
    "laureates:open_data_json": None,  # JSON, read by programs, not by a spreadsheet
    "calls_staff:theme_rule_export": None,  # one rule as YAML, read back by the rule's import
}
EXPORT_ROUTE = re.compile(r"export|\.(csv|xlsx|ods)|donnees-ouvertes|<str:fmt>|\(\?P<fmt>", re.IGNORECASE)


def export_patterns(patterns=None, namespace=""):
    """(qualified name, pattern) of every named URL whose name or route says it is an export."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from export_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            if EXPORT_ROUTE.search(entry.name) or EXPORT_ROUTE.search(str(entry.pattern)):
                yield name, entry


def test_every_export_url_is_listed():
    found = {name for name, _ in export_patterns()}
    assert found - set(EXPORTS) == set(), "export sans entrée dans EXPORTS : ajoutez-la au test des formules"
    assert set(EXPORTS) - found == set()


def plant_hostile_text() -> int:
    """Overwrite every typed text field of every row with a formula payload; returns how many fields.

    A value that already starts a formula is kept: criteria codes and indicator labels are
    hostile from the start, since sheets and reports are keyed by them.
    """
    planted = 0
    payloads = cycle(PAYLOADS)
    for model in apps.get_models():
        label = model._meta.label
        if model._meta.app_label not in {"portal", "calls", "applications", "juries", "funding"}:
            continue
        if label in NOT_TYPED_MODELS:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, (models.CharField, models.TextField)) or f"{label}.{field.name}" in NOT_TYPED_TEXT:
                continue
            if field.choices or field.unique or isinstance(field, models.SlugField):
                continue
            planted += 1
            for pk, value in model.objects.values_list("pk", field.name):
                if value and runs_as_formula(value):
                    continue
                payload = next(payloads)
                if isinstance(field, models.EmailField):
                    text = f"{payload.strip()[0]}{pk}x@example.org"
                else:
                    text = f"{payload} {pk}"
                model.objects.filter(pk=pk).update(**{field.name: text[: field.max_length or None]})
    # Unique e-mails are text the user typed as well; their uniqueness holds through the pk.
    for user in apps.get_model("portal", "User").objects.all():
        type(user).objects.filter(pk=user.pk).update(email=f"={user.pk}+1@example.org")
    return planted


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    """One of every row an export reads, in programme P; then every typed text is hostile."""
    now = timezone.now()
    theme = ThemeFactory(indicators=[{"label": "=1+1 indicateur", "frequency": "monthly"}])
    session = SessionFactory(theme=theme, opens_at=now - timedelta(days=30), closes_at=now + timedelta(days=30))
    call, programme = theme.call, theme.call.programme
    Criterion.objects.create(theme=theme, code="=C1", label="Pertinence", scale_max=5, order=1)
    Criterion.objects.create(theme=theme, code="@C2", label="Faisabilité", scale_max=5, order=2)
    staff, operator = UserFactory(), UserFactory()
    role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=programme)
    role_assign(actor=None, user=operator, role=Role.FUND_OPERATOR, scope=programme)
    member = MembershipFactory()
    info = InfoSession.objects.create(
        call=call, title="Réunion", starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=2)
    )
    for token in ("a", "b"):
        InfoSessionRegistration.objects.create(
            info_session=info, name="Visiteur", email=f"{token}@example.org", cancel_token=f"jeton-{token}"
        )

    # A laureate in progress: budget, convention in force, tranches, a validated milestone,
    # payments (one above its tranche, so that what remains to pay is negative), a report.
    funded = DossierFactory(
        session=session,
        organisation=member.organisation,
        created_by=member.user,
        state=DossierState.IN_PROGRESS,
        granted_amount=Decimal("100000"),
    )
    BudgetLineFactory(dossier=funded, amount=Decimal("60000"), cofinancer_name="Région")
    BudgetLineFactory(dossier=funded, amount=Decimal("40000"), year=2027)
    convention = Convention.objects.create(
        dossier=funded,
        version=1,
        amount=Decimal("100000"),
        status=Convention.Status.IN_FORCE,
        carrier_signed_at=now,
        operator_signed_at=now,
        in_force_at=now,
    )
    milestone = Milestone.objects.create(
        dossier=funded, label="Prototype", order=1, status=Milestone.Status.VALIDATED, reviewed_at=now
    )
    advance = convention.tranches.create(order=1, label="Avance", amount=Decimal("30000"), condition="signature")
    convention.tranches.create(
        order=2, label="Jalon", amount=Decimal("70000"), condition="milestone", milestone=milestone
    )
    for reference, amount in (("VIR-1", Decimal("30000")), ("VIR-2", Decimal("5000"))):
        Payment.objects.create(
            tranche=advance, paid_on=date(2026, 2, 20), amount=amount, reference=reference, recorded_by=operator
        )
    IndicatorReport.objects.create(
        dossier=funded,
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        due_on=date(2026, 4, 15),
        values={"=1+1 indicateur": "=2+2"},
        comment="Rien à signaler",
        submitted_at=now,
        submitted_by=member.user,
    )

    # A jury: the chair and a juror scored a dossier under evaluation; the chair wrote the consensus.
    evaluated = DossierFactory(session=session, state=DossierState.UNDER_EVALUATION)
    jury = juries.jury_create(
        actor=staff, call=call, theme=theme, session=session, name="Jury", evaluations_per_dossier=2
    )
    juries.jury_dossiers_add(actor=staff, jury=jury, dossiers=[evaluated])
    chair = juries.member_add(actor=staff, jury=jury, user=UserFactory(), is_chair=True)
    juror = juries.member_add(actor=staff, jury=jury, user=UserFactory())
    hostile = cycle(PAYLOADS)
    for jury_member in (chair, juror):
        conflicts.conflict_declare(
            actor=jury_member.user, member=jury_member, dossier=evaluated, status="none", reason="Aucun lien."
        )
        assignment = Assignment.objects.create(member=jury_member, dossier=evaluated)
        evaluation.evaluation_save(
            actor=jury_member.user,
            assignment=assignment,
            scores={code: {"score": "4", "comment": next(hostile)} for code in ("=C1", "@C2")},
            opinion=next(hostile),
            recommendation="fund",
        )
        evaluation.evaluation_submit(actor=jury_member.user, assignment=assignment)
    evaluation.consensus_record(
        actor=chair.user,
        jury=jury,
        dossier=evaluated,
        scores={code: {"score": "4", "comment": next(hostile)} for code in ("=C1", "@C2")},
        opinion=next(hostile),
        recommendation="fund",
    )

    planted = plant_hostile_text()
    # Audit labels are copies of names and e-mails taken when the event is written: some after planting.
    funded.refresh_from_db()
    call.refresh_from_db()
    staff.refresh_from_db()
    audit_record(actor=staff, action="dossier.section_save", target=funded, data={"avant": PAYLOADS[0]})
    audit_record(actor=staff, action="call.update", target=call, data={"titre": PAYLOADS[3]})
    return {
        "users": {"staff": staff, "applicant": member.user, "juror": chair.user, "anonymous": None},
        "arguments": {"funded": funded.pk, "call": call.pk, "jury": jury.pk},
        "planted": planted,
    }


def _content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def spreadsheet_cells(content: bytes, fmt: str) -> list:
    """Every cell of every sheet (header included), as the reader of the format gives it."""
    if fmt == "csv":
        text = content.decode("utf-8-sig")
        return [cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=";") for cell in row]
    if fmt == "xlsx":
        # A formula cell (data type "f") reads as its formula, which starts with "=".
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        return [cell.value for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        formulas = re.findall(rb'table:formula="([^"]*)"', archive.read("content.xml"))
    dataset = tablib.Dataset().load(content, format="ods")
    return [
        *(f"={formula.decode()}" for formula in formulas),
        *dataset.headers,
        *(value for row in dataset for value in row),
    ]


FRENCH_NUMBER = re.compile(r"-\d+(,\d+)?")  # a typed number as the CSV writes it, e.g. -5000,00


def formula_cells(cells: list, fmt: str) -> list:
    return [
        cell
        for cell in cells
        if isinstance(cell, str) and runs_as_formula(cell) and not (fmt == "csv" and FRENCH_NUMBER.fullmatch(cell))
    ]


def neutralised_cells(cells: list) -> list:
    return [cell for cell in cells if isinstance(cell, str) and cell.startswith("'") and runs_as_formula(cell[1:])]


def test_no_export_writes_a_cell_that_runs_a_formula(world, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.PORTAL_ENFORCE_MFA = False
    requests = []
    for name, export in EXPORTS.items():
        if export is None:
            continue
        kwargs = {key: world["arguments"][value] for key, value in export.kwargs.items()}
        for kind in export.kinds:
            for fmt in export.formats:
                pattern_kwargs = {**kwargs, **({"kind": kind} if kind else {})}
                if name not in ("applications:budget_export", "laureates:open_data_csv"):
                    pattern_kwargs["fmt"] = fmt
                requests.append((name, export.who, reverse(name, kwargs=pattern_kwargs), fmt))
    # The background export (XLSX and ODS beyond the threshold), downloaded from its job.
    requests += [
        ("applications:export_job_download", "staff", reverse("applications:staff_list_export", args=[fmt]), fmt)
        for fmt in ("xlsx", "ods")
    ]
    failures, checked = [], 0
    for name, who, url, fmt in requests:
        client = Client()
        if world["users"][who] is not None:
            client.force_login(world["users"][who])
        if name == "applications:export_job_download":
            monkeypatch.setattr("applications.exports.EXPORT_ASYNC_THRESHOLD", 0)
            with django_capture_on_commit_callbacks(execute=True):  # the job's task is published on commit
                job_page = client.get(url)
            assert job_page.status_code == 302, (url, job_page.status_code)
            url = job_page["Location"].rstrip("/") + "/fichier/"
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        cells = spreadsheet_cells(_content(response), fmt)
        checked += 1
        if live := formula_cells(cells, fmt):
            failures.append(f"{name} ({fmt}) : {live[:3]}")
        if not neutralised_cells(cells):
            failures.append(f"{name} ({fmt}) : aucune valeur hostile n'a atteint l'export, le test ne prouve rien")
    print(f"\nExports vérifiés contre les formules : {checked} fichiers, {world['planted']} champs de texte piégés.")
    assert not failures, "\n".join(failures)


def test_the_writer_keeps_numbers_typed_and_quotes_text():
    """A negative amount stays a number; text that looks like one is still text, quoted."""
    dataset = tablib.Dataset(
        [Decimal("-12.50"), -3, "-2+3", "  =1", "'=1", "texte", None], headers=["=Titre", "b", "c", "d", "e", "f", "g"]
    )
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(dataset))).active
    assert [cell.value for cell in sheet[1]][:1] == ["'=Titre"]
    values = [cell.value for cell in sheet[2]]
    assert values[:6] == [Decimal("-12.5"), -3, "'-2+3", "'  =1", "''=1", "texte"]
    assert [sheet.cell(2, column).data_type for column in (1, 2)] == ["n", "n"]
    assert [inert_cell(value) for value in (Decimal("-1"), 2.5, True, date(2026, 1, 1))] == [
        Decimal("-1"),
        2.5,
        True,
        date(2026, 1, 1),
    ]


@pytest.mark.parametrize("text", [*PAYLOADS, "'=1", "''+1", "'texte", "texte", "", " -", "\n=1"])
def test_quoting_is_reversible(text):
    assert text_from_inert(inert_cell(text)) == text


def test_the_call_workbook_gives_back_a_hostile_title(world):
    """The call export quotes a title starting with « = »; importing the file reads the title as typed."""
    from calls import interchange
    from calls.models import Call

    call = Call.objects.get(pk=world["arguments"]["call"])
    document = interchange.workbook_document(interchange.call_workbook_export(call=call))
    assert document["calls"][0]["title"] == call.title and runs_as_formula(call.title)
