"""Demo conventions for `load_demo`: one selected dossier per convention state (the countersigned one
waiting for the date of entry into force staff set), a SNAP4 project in three phases (two filed and in
force, the third planned), tranches paid and pending, indicator reports on time and late.

Everything after the dossiers' creation goes through the funding services. Idempotent: nothing is
added when the demo projects are already there. Needs portal.demo, calls.demo and applications.demo first.
"""

import dataclasses
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from applications.models import BudgetLine, Dossier, Project, ProjectPhase
from applications.workflow import DossierState
from calls.demo import DEMO_SESSION_KEY
from calls.models import Session
from funding.models import Convention, Tranche
from funding.periods import add_months
from funding.services import conventions, followup, preparation, reports
from portal.demo import demo_user

PREFIX = "DEMO-FIN-"
CALL = "france-relance-tne-2020"

# (reference suffix, theme, acronym, title, grant, convention state reached)
SINGLE_PROJECTS = [
    ("01", "ITN3", "GUICHET-MAIRIE", "Guichet numérique unique des petites communes", "80000", Convention.Status.DRAFT),
    ("02", "ITN3", "ETAT-CIVIL", "Demande d'actes d'état civil en ligne", "60000", Convention.Status.SENT),
    ("03", "ITN3", "AIDE-SOCIALE", "Simulateur d'aides sociales locales", "45000", Convention.Status.SIGNED_BY_CARRIER),
    (
        "04",
        "ITN3",
        "CARTE-SCOLAIRE",
        "Inscriptions scolaires dématérialisées",
        "70000",
        Convention.Status.SIGNED_BY_OPERATOR,
    ),
    (
        "05",
        "ITN3",
        "RDV-SERVICES",
        "Prise de rendez-vous dans les services municipaux",
        "90000",
        Convention.Status.IN_FORCE,
    ),
]


def _dossier(
    *,
    suffix: str,
    theme_code: str,
    acronym: str,
    title: str,
    grant: str,
    user,
    start,
    phase_key: str = "",
    project_key: str = "",
) -> Dossier:
    session = Session.objects.select_related("theme").get(
        theme__call__slug=CALL, theme__code=theme_code, key=DEMO_SESSION_KEY
    )
    phase = session.theme.phases.get(key=phase_key) if phase_key else None
    amount = Decimal(grant)
    dossier = Dossier.objects.create(
        reference=f"{PREFIX}{suffix}",
        organisation=user.memberships.get().organisation,
        theme=session.theme,
        session=session,
        phase=phase,
        project_key=project_key,
        acronym=acronym,
        title=title,
        summary=f"{title} : projet lauréat de démonstration.",
        state=DossierState.SELECTED,
        requested_amount=amount,
        granted_amount=amount,
        planned_start=start,
        duration_months=12,
        submitted_at=timezone.now() - timedelta(days=120),
        created_by=user,
    )
    BudgetLine.objects.create(
        dossier=dossier,
        label="Prestations de développement",
        year=start.year,
        amount=amount,
        category=BudgetLine.Category.EXTERNAL_SERVICES,
        source=BudgetLine.Source.PROGRAMME,
    )
    BudgetLine.objects.create(
        dossier=dossier,
        label="Pilotage interne",
        year=start.year,
        amount=(amount / 3).quantize(Decimal("1")),
        category=BudgetLine.Category.INTERNAL_STAFF,
        source=BudgetLine.Source.CARRIER,
    )
    return dossier


def _prepare(convention: Convention, *, staff, start, in_force_on=None) -> Convention:
    """Staff's preparation: the project starts on `start`, its milestones spread over its duration."""
    dates, plans = preparation.preparation_of(convention)
    duration = dates["duration_months"] or 12
    plans = [
        dataclasses.replace(plan, due_on=add_months(start, round(duration * index / len(plans))))
        for index, plan in enumerate(plans, start=1)
    ]
    return preparation.convention_prepare(
        actor=staff,
        convention=convention,
        duration_months=duration,
        advance=dates["advance"],
        balance=dates["balance"],
        milestones=plans,
        start_on=start,
        in_force_on=in_force_on,
    )


def _advance(dossier: Dossier, target: str, *, staff, carrier, operator) -> Convention:
    """Generate the convention, prepare its dates, and walk it through the signature workflow up to `target`.

    The countersigned one waits for a date of entry into force in a month; the others start on the
    dossier's planned start (set in the past for projects under way)."""
    convention = conventions.convention_generate(actor=staff, dossier=dossier)
    waiting = target == Convention.Status.SIGNED_BY_OPERATOR
    _prepare(
        convention,
        staff=staff,
        start=dossier.planned_start,
        in_force_on=dossier.planned_start if waiting else None,
    )
    convention = conventions.convention_render(convention_id=convention.pk)
    steps = [
        (Convention.Status.SENT, lambda c: conventions.convention_send(actor=staff, convention=c)),
        (
            Convention.Status.SIGNED_BY_CARRIER,
            lambda c: conventions.convention_sign_carrier(
                actor=carrier,
                convention=c,
                signed_file=ContentFile(c.pdf.open("rb").read(), name="convention-signee.pdf"),
            ),
        ),
        (
            Convention.Status.SIGNED_BY_OPERATOR,
            lambda c: conventions.convention_sign_operator(actor=operator, convention=c),
        ),
    ]
    for _status, step in steps:
        if convention.status == target:
            break
        convention = step(convention)
    return convention


def _pay(operator, tranche: Tranche, amount=None, reference: str = "") -> None:
    followup.payment_record(
        actor=operator,
        tranche=tranche,
        paid_on=timezone.localdate() - timedelta(days=3),
        amount=amount or tranche.amount,
        reference=reference or f"VIR-{tranche.pk:05d}",
    )


def _report_values(dossier: Dossier, value: str) -> dict:
    return {indicator["key"]: value for indicator in reports.indicators_of(dossier.theme)}


def _validate_milestones(dossier: Dossier, *, carrier, staff, count=None) -> None:
    for milestone in list(dossier.milestones.filter(is_current=True).order_by("order"))[:count]:
        followup.milestone_declare(
            actor=carrier, milestone=milestone, note="Jalon atteint : compte rendu joint au dossier."
        )
        followup.milestone_review(actor=staff, milestone=milestone, accept=True)


@transaction.atomic
def load(*, stdout=None) -> None:
    if Dossier.objects.filter(reference__startswith=PREFIX).exists():
        return
    staff, operator, carrier = (
        demo_user("equipe@demo.gouv.fr"),
        demo_user("operateur@demo.gouv.fr"),
        demo_user("deposant2@demo.gouv.fr"),
    )
    people = {"staff": staff, "carrier": carrier, "operator": operator}
    today = timezone.localdate()
    for suffix, theme_code, acronym, title, grant, target in SINGLE_PROJECTS:
        future = target == Convention.Status.SIGNED_BY_OPERATOR
        dossier = _dossier(
            suffix=suffix,
            theme_code=theme_code,
            acronym=acronym,
            title=title,
            grant=grant,
            user=carrier,
            start=today + timedelta(days=30) if future else today - timedelta(days=100),
        )
        convention = _advance(dossier, target, **people)
    # The project in force: advance paid, balance pending; one report late, the current one on time.
    advance = convention.tranches.get(condition=Tranche.Condition.SIGNATURE)
    _pay(operator, advance)
    late_period = today - timedelta(days=75)
    reports.indicator_report_submit(
        actor=carrier,
        dossier=convention.dossier,
        period_day=late_period,
        values=_report_values(convention.dossier, "40"),
        comment="Retard de recrutement.",
    )
    reports.indicator_report_submit(
        actor=carrier, dossier=convention.dossier, period_day=today, values=_report_values(convention.dossier, "65")
    )

    # SNAP4: phase 1 done (milestones validated, all but the balance paid), phase 2 in force with its advance paid.
    first = _dossier(
        suffix="SNAP4-P1",
        theme_code="SNAP4",
        acronym="DOSSIER-USAGER",
        title="Dossier usager unique — expérimentation",
        grant="900000",
        user=carrier,
        start=today - timedelta(days=300),
        phase_key="phase-1",
        project_key="dossier-usager-unique",
    )
    phase_1 = _advance(first, Convention.Status.IN_FORCE, **people)
    _validate_milestones(first, carrier=carrier, staff=staff)
    for tranche in phase_1.tranches.exclude(condition=Tranche.Condition.FINAL_REPORT):
        _pay(operator, tranche)
    second = _dossier(
        suffix="SNAP4-P2",
        theme_code="SNAP4",
        acronym="DOSSIER-USAGER",
        title="Dossier usager unique — passage à l'échelle",
        grant="2500000",
        user=carrier,
        start=today - timedelta(days=20),
        phase_key="phase-2",
        project_key="dossier-usager-unique",
    )
    phase_2 = _advance(second, Convention.Status.IN_FORCE, **people)
    _pay(
        operator,
        phase_2.tranches.get(condition=Tranche.Condition.SIGNATURE),
        amount=Decimal("500000"),
        reference="VIR-SNAP4-P2-A",
    )
    _snap4_project(first, second, carrier=carrier)
    if stdout is not None:
        stdout.write(
            f"Conventions de démonstration : {Convention.objects.filter(dossier__reference__startswith=PREFIX).count()} "
            "versions, un projet SNAP4 en trois phases (deux en vigueur, la troisième prévue)."
        )


def _snap4_project(first: Dossier, second: Dossier, *, carrier) -> Project:
    """The SNAP4 project that holds the two phases in force and plans a third: 8 M€ at most over the three."""
    project = Project.objects.create(
        organisation=first.organisation,
        theme=first.theme,
        key=first.project_key,
        acronym=first.acronym,
        title="Dossier usager unique",
        cap=Decimal("8000000"),
        created_by=carrier,
    )
    Dossier.objects.filter(pk__in=[first.pk, second.pk]).update(project=project)
    phases = [
        ("Expérimentation", first, "900000", [{"label": "Indicateurs structurants définis", "month": 2}]),
        ("Passage à l'échelle", second, "2500000", [{"label": "Jalon de fin de phase", "month": 12}]),
        (
            "Généralisation à tous les ministères",
            None,
            "3000000",
            [
                {"label": "Raccordement de dix ministères", "month": 9, "deliverable": "Rapport de raccordement"},
                {"label": "Jalon de fin de phase", "month": 18, "deliverable": "Bilan et indicateurs"},
            ],
        ),
    ]
    for order, (label, dossier, amount, milestones) in enumerate(phases, start=1):
        ProjectPhase.objects.create(
            project=project,
            order=order,
            label=label,
            requested_amount=Decimal(amount),
            milestones=[{"deliverable": "", **item} for item in milestones],
            dossier=dossier,
        )
    return project
