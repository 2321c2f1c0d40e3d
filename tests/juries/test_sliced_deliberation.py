"""The deliberation of a large jury: the ranking computed from the sheets' scores alone (same results as
the sheet-by-sheet computation it replaced), shown in slices whose decisions are kept on the server as
drafts, with the envelope's total over the whole jury, then recorded at once after a confirmation."""

import html
import random
import re
import uuid
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import Dossier
from applications.workflow import DossierState
from juries import scoring, selectors
from juries.models import (
    Assignment,
    ConflictDeclaration,
    Consensus,
    Decision,
    DecisionDraft,
    Deliberation,
    Evaluation,
    JuryDossier,
)
from juries.services import deliberation
from juries.services.deliberation import DecisionInput
from portal.errors import DomainError
from portal.models import AuditEvent
from tests.applications.factories import DossierFactory
from tests.juries.test_query_counts import populate

pytestmark = pytest.mark.django_db
Kind = Decision.Kind


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def url(jury, **query) -> str:
    base = reverse("juries:staff_ranking", args=[jury.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def shown_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'name="kind_(\d+)"', response.content.decode())]


# The ranking: the fast path equals the sheet-by-sheet computation --------------------------------


def previous_ranking(jury):
    """The ranking as computed before (every sheet's JSON decoded, the mean written out as text and read
    back, then graded): the reference the fast path must equal."""
    grid = selectors.grid_spec(jury)
    conflicts = selectors.conflict_map(jury)
    sheets = defaultdict(list)
    for evaluation in Evaluation.objects.filter(
        assignment__member__jury=jury, submitted_at__isnull=False
    ).select_related("assignment"):
        if not conflicts.is_blocked(evaluation.assignment.member_id, evaluation.assignment.dossier_id):
            sheets[evaluation.assignment.dossier_id].append(evaluation)
    consensuses = {c.dossier_id: c for c in Consensus.objects.filter(jury=jury)}
    rows = []
    for entry in JuryDossier.objects.filter(jury=jury).select_related("dossier"):
        own = sheets.get(entry.dossier_id, [])
        consensus = consensuses.get(entry.dossier_id)
        if consensus is not None:
            scores = consensus.scores
        else:
            scores = {}
            for leaf in scoring.leaves(grid):
                values = [scoring.to_decimal((e.scores.get(leaf.code) or {}).get("score")) for e in own]
                values = [v for v in values if v is not None]
                scores[leaf.code] = (
                    {"score": str(sum(values, Decimal("0")) / len(values)), "na": False}
                    if values
                    else {"score": None, "na": leaf.allows_not_applicable}
                )
        result = scoring.grid_total(grid, scores, pass_mark=jury.pass_mark)
        total = result.total if (consensus or own) else None
        dispersion = scoring.dispersion([e.total for e in own], threshold=jury.divergence_threshold)
        key = scoring.ranking_key(total, result.criteria, selectors.tie_break_of(jury), entry.dossier.reference)
        rows.append((key, entry.dossier_id, total, result.fails, len(own), dispersion))
    return [row[1:] for row in sorted(rows)]


def random_sheet(rng: random.Random) -> dict:
    def score(scale_max, step):
        values = [Decimal(i) * step for i in range(int(scale_max / step) + 1)]
        return str(rng.choice(values).normalize())

    return {
        "A": {"score": rng.choice([score(5, Decimal("0.5")), None]), "comment": "Avis."},
        "B1": {"score": None, "na": True} if rng.random() < 0.3 else {"score": score(10, 1), "na": False},
        "B2": {"score": score(10, 1) if rng.random() < 0.9 else "", "comment": "x"},
    }


def test_the_fast_ranking_equals_the_previous_computation_on_a_random_jury(jury, members, session):
    rng = random.Random(19)
    populate(jury, members, session, 40, 0)
    grid = selectors.grid_spec(jury)
    sheets = list(Evaluation.objects.filter(assignment__member__jury=jury))
    for evaluation in sheets:
        evaluation.scores = random_sheet(rng)
        result = scoring.grid_total(grid, evaluation.scores, pass_mark=jury.pass_mark)
        evaluation.total, evaluation.fails_threshold = result.total, result.fails
        if rng.random() < 0.1:
            evaluation.submitted_at = None  # a draft sheet counts nowhere
    Evaluation.objects.bulk_update(sheets, ["scores", "total", "fails_threshold", "submitted_at"])
    dossiers = list(Dossier.objects.filter(jury_entries__jury=jury).order_by("pk"))
    for dossier in rng.sample(dossiers, 6):  # conflicts declared after scoring: those sheets leave the ranking
        ConflictDeclaration.objects.filter(member=rng.choice(members), dossier=dossier).update(status="conflict")
    for dossier in rng.sample(dossiers, 4):
        Consensus.objects.create(jury=jury, dossier=dossier, scores=random_sheet(rng), opinion="Consensus.")
    JuryDossier.objects.filter(jury=jury, dossier__in=rng.sample(dossiers, 3)).delete()  # no sheets, nothing
    Assignment.objects.filter(dossier__in=rng.sample(dossiers, 2)).delete()  # in the jury, never scored

    fast = [(row.dossier_id, row.total, row.fails, row.evaluations, row.dispersion) for row in selectors.ranking(jury)]
    assert fast == previous_ranking(jury)
    assert len({total for _, total, *_ in fast}) > 10  # the random jury spreads its totals


# The page: slices, drafts, totals over the whole jury, the recording ------------------------------


@pytest.fixture
def big(jury, members, session):
    """120 dossiers before the jury, scored by its three members (three slices of 50)."""
    populate(jury, members, session, 120, 0)
    return jury


def test_the_page_shows_one_slice_and_navigates_by_rank(client, staff, big):
    client.force_login(staff)
    first = client.get(url(big))
    assert len(shown_ids(first)) == 50
    text = page_text(first)
    assert "rangs 1 à 50 sur 120" in text and "Tranches du classement" in text
    third = client.get(url(big, rang=107))
    assert "rangs 101 à 120 sur 120" in page_text(third)
    ranked = [row.dossier_id for row in selectors.ranking(big)]
    assert shown_ids(third) == ranked[100:]
    assert shown_ids(client.get(url(big, tranche=2))) == ranked[50:100]


def test_a_slice_is_kept_as_drafts_and_the_total_covers_the_whole_jury(client, staff, big):
    client.force_login(staff)
    ranked = [row.dossier_id for row in selectors.ranking(big)]
    last = ranked[110]
    data = {f"kind_{pk}": "" for pk in ranked[100:]}
    data |= {f"kind_{last}": "selected", f"amount_{last}": "40 000", "action": "save"}
    response = client.post(url(big, tranche=3), {**data, "idempotency_key": uuid.uuid4()})
    assert response.status_code == 302 and response.url == url(big, tranche=3)
    draft = DecisionDraft.objects.get(jury=big)
    assert (draft.dossier_id, draft.kind, draft.granted_amount) == (last, Kind.SELECTED, Decimal("40000"))
    assert AuditEvent.objects.filter(action="juries.decision_drafts_save").exists()
    # Another slice shows the total of the whole jury, kept by the server.
    first = page_text(client.get(url(big)))
    assert "sur tout le jury : 40\u202f000,00\u202f€" in first
    assert "reste : 60\u202f000,00\u202f€" in first
    # The slice shows its draft back; emptying the decision forgets it.
    assert f'name="amount_{last}" inputmode="decimal" value="40 000,00"' in page_text(client.get(url(big, tranche=3)))
    data[f"kind_{last}"] = ""
    client.post(url(big, tranche=3), {**data, "idempotency_key": uuid.uuid4()})
    assert not DecisionDraft.objects.exists()


def test_htmx_saves_a_slice_in_place(client, staff, big):
    client.force_login(staff)
    pk = selectors.ranking(big)[0].dossier_id
    response = client.post(
        url(big),
        {f"kind_{pk}": "reserve", "action": "save", "idempotency_key": uuid.uuid4()},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    text = page_text(response)
    assert 'id="deliberation"' in text and "1 décision de la tranche enregistrée en préparation" in text
    assert DecisionDraft.objects.get(jury=big).kind == Kind.RESERVE


def test_a_slice_with_an_unreadable_amount_keeps_what_was_typed(client, staff, big):
    client.force_login(staff)
    first, second = [row.dossier_id for row in selectors.ranking(big)[:2]]
    data = {
        f"kind_{first}": "selected",
        f"amount_{first}": "12 000",
        f"kind_{second}": "selected",
        f"amount_{second}": "douze mille",
        f"reasons_{second}": "Très bon projet",
        "action": "save",
        "idempotency_key": uuid.uuid4(),
    }
    response = client.post(url(big), data)
    text = page_text(response)
    assert response.status_code == 200 and "fr-alert--error" in text
    assert f'name="amount_{second}" inputmode="decimal" value="douze mille"' in text
    assert f'name="reasons_{second}" value="Très bon projet"' in text
    assert f'name="amount_{first}" inputmode="decimal" value="12 000,00"' in text
    assert not DecisionDraft.objects.exists()


def test_the_drafts_of_every_slice_are_recorded_at_once_after_confirmation(client, staff, big):
    client.force_login(staff)
    ranked = [row.dossier_id for row in selectors.ranking(big)]
    client.post(
        url(big, tranche=3),
        {f"kind_{ranked[119]}": "reserve", "action": "save", "idempotency_key": uuid.uuid4()},
    )
    key = uuid.uuid4()
    check = {
        f"kind_{ranked[0]}": "selected",
        f"amount_{ranked[0]}": "30000",
        f"kind_{ranked[1]}": "reserve",
        "action": "check",
        "idempotency_key": key,
    }
    confirming = page_text(client.post(url(big), check))
    assert "Confirmer et enregistrer la délibération" in confirming
    assert "Retenu : 1 dossier — 30\u202f000,00\u202f€" in confirming
    assert "Liste complémentaire : 2 dossiers" in confirming
    assert not Deliberation.objects.exists()  # nothing decided before the confirmation
    record = {**check, "action": "record", "confirm": "1"}
    response = client.post(url(big), record)
    assert response.status_code == 302
    recorded = Deliberation.objects.get()
    assert dict(recorded.decisions.values_list("dossier_id", "kind")) == {
        ranked[0]: Kind.SELECTED,
        ranked[1]: Kind.RESERVE,
        ranked[119]: Kind.RESERVE,
    }
    assert recorded.granted_total == Decimal("30000") and len(recorded.ranking) == 120
    assert not DecisionDraft.objects.exists()
    # The same confirmation posted again finds the deliberation it recorded.
    assert client.post(url(big), record).status_code == 302
    assert Deliberation.objects.count() == 1


def test_drafts_refuse_a_dossier_outside_the_jury_or_already_decided_and_non_staff(staff, jury, members, reviewed):
    first, second, _ = reviewed
    deliberation.deliberation_record(actor=staff, jury=jury, decisions=[DecisionInput(first.pk, Kind.RESERVE)])
    with pytest.raises(DomainError, match="délibéré"):
        deliberation.decision_drafts_save(actor=staff, jury=jury, decisions=[DecisionInput(first.pk, Kind.RESERVE)])
    outsider = DossierFactory(session=second.session, state=DossierState.UNDER_EVALUATION)
    with pytest.raises(DomainError, match="ne relève pas"):
        deliberation.decision_drafts_save(actor=staff, jury=jury, decisions=[DecisionInput(outsider.pk, Kind.RESERVE)])
    with pytest.raises(DomainError):
        deliberation.decision_drafts_save(
            actor=members[0].user, jury=jury, decisions=[DecisionInput(second.pk, Kind.RESERVE)]
        )
    assert not DecisionDraft.objects.exists()


def test_the_page_and_a_slice_save_are_flat_from_10_to_200_dossiers(client, staff, jury, members, session):
    def measure() -> tuple[int, int]:
        rows = selectors.ranking(jury)
        DecisionDraft.objects.all().delete()
        DecisionDraft.objects.bulk_create(
            DecisionDraft(jury=jury, dossier_id=row.dossier_id, kind=Kind.RESERVE) for row in rows[5:]
        )
        client.get(url(jury))  # the session's own queries, once
        with CaptureQueriesContext(connection) as page:
            assert client.get(url(jury)).status_code == 200
        data = {f"kind_{row.dossier_id}": "reserve" for row in rows[:5]}
        with CaptureQueriesContext(connection) as save:
            response = client.post(url(jury), {**data, "action": "save", "idempotency_key": uuid.uuid4()})
            assert response.status_code == 302
        return len(page), len(save)

    client.force_login(staff)
    populate(jury, members, session, 10, 0)
    few = measure()
    populate(jury, members, session, 190, 10)
    assert JuryDossier.objects.filter(jury=jury).count() == 200
    assert measure() == few
