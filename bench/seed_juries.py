"""Juries, scores and conventions of the benchmark's data set, when juries/ and funding/ exist.

Both apps were being written while the benchmark was: bench.run imports this module inside
a try, and the table says "n/a" when it fails. One jury per theme with six jurors; every
dossier past submission gets 3 jurors with a score on every criterion of its grid. The
first theme's jury is filled up to 5 000 dossiers for the ranking figure (5 000 × 3), the size of a
national call's jury (issue 19).
Conventions: up to 1 000 selected dossiers, each with a milestone and three tranches.
"""

from __future__ import annotations

import datetime
import random
import statistics
import time
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from bench.seed import PASSWORD, _bulk

JURORS_PER_JURY = 6
PER_DOSSIER = 3
RANKING_SIZE = 5_000
CONVENTIONS = 1_000
STATE = {}


def _scores(rng: random.Random, grid) -> dict:
    from juries.scoring import leaves

    sheet = {}
    for item in leaves(grid):
        values = item.scale_values()
        sheet[item.code] = {"score": str(rng.choice(values)), "na": False}
    return sheet


def seed_juries(*, seed: int, log=print) -> tuple[str, str]:
    from django.contrib.auth.hashers import make_password

    from applications.models import Dossier
    from calls.models import Theme
    from juries.models import Assignment, Evaluation, Jury, JuryDossier, JuryMember
    from juries.scoring import grid_total
    from juries.selectors import grid_spec
    from portal import services
    from portal.models import Role, User

    rng = random.Random(seed + 1)
    now = timezone.now()
    staff = User.objects.get(email="equipe@bench.gouv.fr")
    password = make_password(PASSWORD)
    past = Dossier.objects.exclude(state="draft").exclude(reference__contains="-RUSH-")
    themes = list(Theme.objects.filter(dossiers__in=past).distinct().select_related("call__programme").order_by("pk"))
    jurors = _bulk(
        User,
        [
            User(email=f"jure{index}@bench.gouv.fr", password=password, first_name="Juré", last_name=str(index))
            for index in range(len(themes) * JURORS_PER_JURY)
        ],
    )
    evaluations = 0
    for number, theme in enumerate(themes):
        jury = Jury.objects.create(
            programme=theme.call.programme,
            call=theme.call,
            theme=theme,
            name=f"Jury {theme.code}",
            evaluations_per_dossier=PER_DOSSIER,
        )
        members = _bulk(
            JuryMember,
            [
                JuryMember(jury=jury, user=user, is_chair=index == 0)
                for index, user in enumerate(jurors[number * JURORS_PER_JURY : (number + 1) * JURORS_PER_JURY])
            ],
        )
        for member in members:
            services.role_assign(actor=None, user=member.user, role=Role.JUROR, scope=jury)
        dossiers = list(past.filter(theme=theme).only("pk", "requested_amount"))
        if number == 0:
            filler = past.exclude(theme=theme).only("pk", "requested_amount")[: max(0, RANKING_SIZE - len(dossiers))]
            dossiers += list(filler)
            STATE["ranking_jury_id"] = jury.pk
            STATE["juror_id"] = members[0].user_id
            # The ranking page is the deliberation page, in slices: its last slice is measured beside the first.
            STATE["deliberation_url"] = reverse("juries:staff_ranking", args=[jury.pk]) + f"?rang={RANKING_SIZE}"
        _bulk(
            JuryDossier,
            [
                JuryDossier(jury=jury, dossier=d, requested_amount=d.requested_amount, max_amount=d.requested_amount)
                for d in dossiers
            ],
        )
        grid = grid_spec(jury)
        assignments = []
        for index, dossier in enumerate(dossiers):
            for offset in range(PER_DOSSIER):
                assignments.append(
                    Assignment(
                        member=members[(index + offset) % len(members)],
                        dossier=dossier,
                        due_at=now + datetime.timedelta(days=20),
                        assigned_by=staff,
                    )
                )
        assignments = _bulk(Assignment, assignments)
        rows = []
        for assignment in assignments:
            sheet = _scores(rng, grid)
            result = grid_total(grid, sheet, pass_mark=jury.pass_mark)
            rows.append(
                Evaluation(
                    assignment=assignment,
                    scores=sheet,
                    opinion="Avis du banc d'essai.",
                    recommendation="",
                    total=result.total,
                    fails_threshold=result.fails,
                    submitted_at=now,
                )
            )
        _bulk(Evaluation, rows)
        evaluations += len(rows)
    log(f"  jurys : {len(themes)}, jurés : {len(jurors)}, évaluations : {evaluations}")
    conventions = seed_conventions(rng=rng, staff=staff, log=log)
    return "", conventions


def seed_conventions(*, rng, staff, log) -> str:
    try:
        from applications.models import Dossier
        from funding.models import Convention, Milestone, Tranche
    except Exception as error:  # funding is still being written
        return f"n/a (module absent : {error})"
    selected = list(Dossier.objects.filter(state="selected", granted_amount__isnull=False).order_by("pk")[:CONVENTIONS])
    conventions = _bulk(
        Convention,
        [
            Convention(
                dossier=d,
                version=1,
                status=rng.choice(("sent", "in_force", "in_force")),
                amount=d.granted_amount,
                start_on=datetime.date(2021, 6, 1),
                duration_months=d.duration_months or 24,
                created_by=staff,
            )
            for d in selected
        ],
    )
    milestones = _bulk(
        Milestone,
        [
            Milestone(dossier=c.dossier, order=1, label="Mise en service", due_on=datetime.date(2022, 1, 31))
            for c in conventions
        ],
    )
    tranches = []
    for convention, milestone in zip(conventions, milestones, strict=True):
        first = (convention.amount * Decimal("0.4")).quantize(Decimal("0.01"))
        second = (convention.amount * Decimal("0.4")).quantize(Decimal("0.01"))
        tranches += [
            Tranche(convention=convention, order=1, label="Avance", amount=first, condition="signature"),
            Tranche(
                convention=convention, order=2, label="Jalon", amount=second, condition="milestone", milestone=milestone
            ),
            Tranche(
                convention=convention,
                order=3,
                label="Solde",
                amount=convention.amount - first - second,
                condition="final_report",
            ),
        ]
    _bulk(Tranche, tranches)
    log(f"  conventions : {len(conventions)}, tranches : {len(tranches)}")
    return (
        ""
        if len(conventions) >= CONVENTIONS
        else f"{len(conventions)} conventions seulement (dossiers retenus à cette échelle)"
    )


def ranking_figure(*, log=print, repeat: int = 5) -> dict:
    """Time juries.selectors.ranking on the 5 000 × 3 jury (median of `repeat`, queries included)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from juries.models import Jury
    from juries.selectors import ranking

    jury = Jury.objects.get(pk=STATE["ranking_jury_id"])
    ranking(jury)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            rows = ranking(jury)
        times.append(time.perf_counter() - started)
    median = statistics.median(times) * 1000
    evaluations = sum(row.evaluations for row in rows)
    log(f"  classement : {len(rows)} dossiers, {evaluations} évaluations, {median:.0f} ms, {len(queries)} requêtes")
    return {
        "name": f"classement {len(rows)} dossiers × 3 jurés (juries.selectors.ranking)",
        "ms": median,
        "note": f"{evaluations} évaluations, {len(queries)} requêtes SQL, médiane de {repeat}",
    }
