"""Demo juries for `load_demo`, built through the services.

France Relance: three ITN6 dossiers of the demo session are submitted, declared eligible and put
before a jury of two (jure@ chairs, jure2@ is an external expert with one declared conflict),
scored, given a consensus, and two of them deliberated (one selected, one rejected); the third
stays open for the juror pages.
ETNA 2019: the 25 dossiers of the first edition (10 laureates) are scored by the same two jurors
(one conflict) and their past deliberation is recorded as it was decided.
Idempotent: nothing is added when the demo juries exist.
"""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from applications.demo import demo_dossier
from applications.models import Dossier
from calls.demo import DEMO_INTEREST_SESSION_KEY, DEMO_SESSION_KEY
from calls.models import Call, Session
from juries import scoring
from juries.models import Assignment, Decision, Jury
from juries.selectors import grid_spec
from juries.services import assignment, conflicts, deliberation, evaluation, hearings, instruction, juries
from portal.demo import demo_user

JURY_NAME = "Jury de démonstration — ITN6 (France Relance)"
ETNA_JURY_NAME = "Jury ETNA 2019 — 1re édition"
CALL_SLUG = "france-relance-tne-2020"
SHEETS = {
    "LABEL-MUSEES": ("4", "Réponse directe à un irritant des musées, mesurable en trois mois."),
    "ACCUEIL-NUM": ("2", "L'intérêt pour l'usager reste à démontrer : public cible flou."),
    "ARCHIVES-IA": ("3", "Expérimentation sérieuse mais calendrier tendu."),
}


def _sheet(grid, score: str, comment: str) -> dict:
    sheet = {}
    for leaf in scoring.leaves(grid):
        values = leaf.scale_values()
        # The demo score is on a 0–5 reading; placed on each criterion's own scale.
        ratio = Decimal(score) / 5
        target = leaf.scale_min + ratio * (leaf.scale_max - leaf.scale_min)
        value = min(values, key=lambda v: abs(v - target))
        sheet[leaf.code] = {"score": str(value), "na": False, "comment": comment}
    return sheet


def _recommendation(score: str) -> str:
    return "fund" if Decimal(score) >= 3 else "do_not_fund"


def _dossiers(user, organisation) -> list[Dossier]:
    budget = [
        {
            "label": "Prestation d'une jeune entreprise innovante",
            # The demonstration session admits this year's expenses (calls.demo).
            "year": timezone.localdate().year,
            "phase": "",
            "category": "external_services",
            "source": "programme",
            "cofinancer_name": "",
            "amount": Decimal("30000"),
        }
    ]
    full = ["contexte", "mise_en_oeuvre", "impact"]
    built = [Dossier.objects.filter(acronym="LABEL-MUSEES", theme__call__slug=CALL_SLUG).first()]
    for acronym, title in (
        ("ACCUEIL-NUM", "Accueil numérique des visiteurs des monuments nationaux"),
        ("ARCHIVES-IA", "Aide à la description des fonds d'archives"),
    ):
        built.append(
            demo_dossier(
                user=user,
                organisation=organisation,
                theme_code="ITN6",
                call_slug=CALL_SLUG,
                acronym=acronym,
                title=title,
                sections=full,
                budget=budget,
                submit=True,
            )
        )
    return [d for d in built if d is not None and d.state == "submitted"]


@transaction.atomic
def load(*, stdout=None) -> None:
    if Jury.objects.filter(name=JURY_NAME).exists():
        return
    session = Session.objects.filter(theme__call__slug=CALL_SLUG, theme__code="ITN6", key=DEMO_SESSION_KEY).first()
    if session is None:
        return
    _france_relance(session)
    scored = _etna()
    lit = _lit_two_step()
    if stdout is not None:
        stdout.write(
            "Jurys de démonstration : France Relance (3 dossiers, 1 conflit, 1 délibération dont une décision sous "
            f"conditions), ETNA 2019 ({scored} dossiers), LIT en deux étapes ({lit})."
        )


def _etna() -> int:
    """The first ETNA edition: 25 dossiers already decided, scored by two jurors, the deliberation taken in."""
    call = Call.objects.filter(slug="etna-2019").first()
    if call is None or not Dossier.objects.filter(theme__call=call, reference__startswith="ETNA-2019-").exists():
        return 0
    staff, chair_user, expert_user = (
        demo_user("equipe@demo.gouv.fr"),
        demo_user("jure@demo.gouv.fr"),
        demo_user("jure2@demo.gouv.fr"),
    )
    jury = juries.jury_create(actor=staff, call=call, name=ETNA_JURY_NAME, evaluations_per_dossier=2)
    chair = juries.member_add(actor=staff, jury=jury, user=chair_user, is_chair=True)
    expert = juries.member_add(actor=staff, jury=jury, user=expert_user, is_external=True, sector="private")
    entries = juries.jury_dossiers_add(actor=staff, jury=jury, past_round=True)
    dossiers = sorted((e.dossier for e in entries), key=lambda d: d.reference)
    for dossier in dossiers:
        conflict = dossier.reference == "ETNA-2019-N01"
        conflicts.conflict_declare(actor=chair_user, member=chair, dossier=dossier, status="none", reason="Aucun lien.")
        conflicts.conflict_declare(
            actor=expert_user,
            member=expert,
            dossier=dossier,
            status="conflict" if conflict else "none",
            reason="Mon entreprise a répondu avec ce porteur." if conflict else "Aucun lien.",
        )
    assignment.assign_auto(actor=staff, jury=jury)
    grid = grid_spec(jury)
    for item in Assignment.objects.filter(member__jury=jury).select_related("member__user", "dossier"):
        laureate = item.dossier.state == "selected"
        # Laureates score 4 to 5, the others 1 to 3, varied by reference so the ranking is not flat.
        score = str(4 + item.dossier.pk % 2) if laureate else str(1 + item.dossier.pk % 3)
        comment = "Impact fort sur le quotidien des agents." if laureate else "Cas d'usage peu étayé."
        _score(item, grid, score, comment)
    session = dossiers[0].session
    deliberation.deliberation_record_past(
        actor=staff,
        jury=jury,
        recorded_at=session.closes_at + timedelta(days=30),
        decisions=[
            deliberation.DecisionInput(
                d.pk,
                Decision.Kind.SELECTED if d.state == "selected" else Decision.Kind.REJECTED,
                granted_amount=d.granted_amount if d.state == "selected" else None,
                reasons="" if d.state == "selected" else "Non retenu par le jury de la 1re édition.",
            )
            for d in dossiers
        ],
    )
    return len(dossiers)


def _france_relance(session) -> None:
    staff, chair_user, expert_user = (
        demo_user("equipe@demo.gouv.fr"),
        demo_user("jure@demo.gouv.fr"),
        demo_user("jure2@demo.gouv.fr"),
    )
    applicant = demo_user("deposant2@demo.gouv.fr")
    dossiers = _dossiers(applicant, applicant.memberships.get().organisation)
    for dossier in dossiers:
        _, _, manual = instruction.automatic_checks(dossier)
        instruction.eligibility_review(
            actor=staff,
            dossier=dossier,
            outcome="eligible",
            checklist={code: {"ok": True, "reason": "Vérifié sur les pièces du dossier."} for code, _ in manual},
        )
    jury = juries.jury_create(
        actor=staff,
        call=session.theme.call,
        theme=session.theme,
        session=session,
        name=JURY_NAME,
        evaluations_per_dossier=2,
        due_at=timezone.now() + timedelta(days=14),
    )
    chair = juries.member_add(actor=staff, jury=jury, user=chair_user, is_chair=True)
    expert = juries.member_add(actor=staff, jury=jury, user=expert_user, is_external=True, sector="private")
    juries.jury_dossiers_add(actor=staff, jury=jury)
    instruction.evaluation_start(actor=staff, jury=jury)
    for dossier in dossiers:
        conflicts.conflict_declare(
            actor=chair_user, member=chair, dossier=dossier, status="none", reason="Aucun lien avec le porteur."
        )
        conflict = dossier.acronym == "ARCHIVES-IA"
        conflicts.conflict_declare(
            actor=expert_user,
            member=expert,
            dossier=dossier,
            status="conflict" if conflict else "none",
            reason="J'ai conseillé le porteur sur ce projet." if conflict else "Aucun lien.",
        )
    assignment.assign_auto(actor=staff, jury=jury)
    grid = grid_spec(jury)
    for item in Assignment.objects.filter(member__jury=jury).select_related("member__user", "dossier"):
        score, comment = SHEETS[item.dossier.acronym]
        # ARCHIVES-IA's sheet is left as a draft for the demo's juror pages.
        _score(item, grid, score, comment, submit=item.dossier.acronym != "ARCHIVES-IA")
    decided = [d for d in dossiers if d.acronym != "ARCHIVES-IA"]
    for dossier in decided:
        score, comment = SHEETS[dossier.acronym]
        evaluation.consensus_record(
            actor=chair_user,
            jury=jury,
            dossier=dossier,
            scores=_sheet(grid, score, comment),
            opinion=comment,
            recommendation=_recommendation(score),
        )
    kinds = {
        # Selected under conditions: the convention's tranches wait until staff lift both, with evidence.
        "LABEL-MUSEES": deliberation.DecisionInput(
            0,
            Decision.Kind.CONDITIONAL,
            granted_amount=Decimal("30000"),
            conditions="Transmettre la lettre d'engagement signée de la direction du musée pilote.\n"
            "Désigner la cheffe ou le chef de projet à mi-temps au moins.",
        ),
        "ACCUEIL-NUM": deliberation.DecisionInput(0, Decision.Kind.REJECTED),
    }
    deliberation.deliberation_record(
        actor=staff,
        jury=jury,
        decisions=[
            deliberation.DecisionInput(
                d.pk, kinds[d.acronym].kind, kinds[d.acronym].granted_amount, kinds[d.acronym].conditions
            )
            for d in decided
            if d.acronym in kinds
        ],
    )


LIT_CALL_SLUG = "pia-2016-lit"
LIT_INTEREST_JURY = "Comité d'experts LIT — manifestations d'intérêt (démonstration)"
LIT_DOSSIER_JURY = "Comité d'experts LIT — dossiers complets (démonstration)"


def _committee(*, staff, session, name: str, members) -> Jury:
    """A jury of the LIT session with the two demo jurors, its eligible dossiers under evaluation and assigned."""
    jury = juries.jury_create(
        actor=staff, call=session.theme.call, theme=session.theme, session=session, name=name, evaluations_per_dossier=2
    )
    chair = juries.member_add(actor=staff, jury=jury, user=members[0], is_chair=True)
    expert = juries.member_add(actor=staff, jury=jury, user=members[1], is_external=True, sector="private")
    entries = juries.jury_dossiers_add(actor=staff, jury=jury)
    instruction.evaluation_start(actor=staff, jury=jury)
    for entry in entries:
        for member in (chair, expert):
            conflicts.conflict_declare(
                actor=member.user, member=member, dossier=entry.dossier, status="none", reason="Aucun lien."
            )
    assignment.assign_auto(actor=staff, jury=jury)
    return jury


def _scored(jury: Jury, score: str, comment: str) -> None:
    grid = grid_spec(jury)
    for item in Assignment.objects.filter(member__jury=jury).select_related("member__user"):
        _score(item, grid, score, comment)


def _score(item: Assignment, grid, score: str, comment: str, *, submit: bool = True) -> None:
    """The member's sheet, every criterion at `score`, submitted unless left as a draft."""
    evaluation.evaluation_save(
        actor=item.member.user,
        assignment=item,
        scores=_sheet(grid, score, comment),
        opinion=comment,
        recommendation=_recommendation(score),
    )
    if submit:
        evaluation.evaluation_submit(actor=item.member.user, assignment=item)


def _eligible(staff, dossier: Dossier) -> None:
    _, _, manual = instruction.automatic_checks(dossier)
    instruction.eligibility_review(
        actor=staff,
        dossier=dossier,
        outcome="eligible",
        checklist={code: {"ok": True, "reason": "Vérifié sur les pièces."} for code, _ in manual},
    )


def _lit_two_step() -> str:
    """PIA LIT in two steps: an expression of interest filed, invited to the second step by the expert
    committee (no amount), the full dossier filed from it, and its hearing scheduled before the committee."""
    sessions = {
        s.key: s for s in Session.objects.filter(theme__call__slug=LIT_CALL_SLUG, theme__code="LIT", is_demo=True)
    }
    if DEMO_INTEREST_SESSION_KEY not in sessions or DEMO_SESSION_KEY not in sessions:
        return "appel absent"
    staff = demo_user("equipe@demo.gouv.fr")
    members = [demo_user("jure@demo.gouv.fr"), demo_user("jure2@demo.gouv.fr")]
    carrier = demo_user("deposant@demo.gouv.fr")
    organisation = carrier.memberships.get().organisation
    interest = demo_dossier(
        user=carrier,
        organisation=organisation,
        theme_code="LIT",
        call_slug=LIT_CALL_SLUG,
        session_key=DEMO_INTEREST_SESSION_KEY,
        acronym="LAB-BZH",
        title="Laboratoire d'innovation territoriale de Bretagne",
        sections=["intention"],
        budget=[],
        submit=True,
    )
    _eligible(staff, interest)
    interest_jury = _committee(
        staff=staff, session=sessions[DEMO_INTEREST_SESSION_KEY], name=LIT_INTEREST_JURY, members=members
    )
    _scored(interest_jury, "4", "Équipe interministérielle engagée, ambition claire.")
    deliberation.deliberation_record(
        actor=staff,
        jury=interest_jury,
        decisions=[deliberation.DecisionInput(interest.pk, Decision.Kind.INVITED)],
    )
    interest.refresh_from_db()
    full = demo_dossier(
        user=carrier,
        organisation=organisation,
        theme_code="LIT",
        call_slug=LIT_CALL_SLUG,
        acronym="LAB-BZH",
        title="Laboratoire d'innovation territoriale de Bretagne",
        sections=["contexte", "mise_en_oeuvre", "impact"],
        budget=[
            {
                "label": "Aménagement et animation du laboratoire",
                "year": timezone.localdate().year,
                "phase": "",
                "category": "external_services",
                "source": "programme",
                "cofinancer_name": "",
                "amount": Decimal("180000"),
            },
            {
                "label": "Agents mis à disposition (apport en nature)",
                "year": timezone.localdate().year,
                "phase": "",
                "category": "internal_staff",
                "source": "carrier",
                "cofinancer_name": "",
                "amount": Decimal("200000"),
            },
        ],
        submit=True,
        predecessor=interest,
    )
    _eligible(staff, full)
    dossier_jury = _committee(staff=staff, session=sessions[DEMO_SESSION_KEY], name=LIT_DOSSIER_JURY, members=members)
    _scored(dossier_jury, "4", "Dossier solide : à entendre avant la sélection.")
    when = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=10)
    hearings.hearing_schedule(
        actor=staff,
        jury=dossier_jury,
        dossier=full,
        starts_at=when,
        duration_minutes=45,
        place="SGMAP, 20 avenue de Ségur, 75007 Paris",
        video_link="https://webconf.numerique.gouv.fr/audition-lab-bzh",
    )
    return "manifestation d'intérêt invitée à la seconde étape, dossier complet déposé, audition programmée"
