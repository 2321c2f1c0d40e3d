"""The national-scale data set of the benchmark, built with bulk inserts from one seed.

No per-row service: at 100 000 dossiers a service call per row would take hours. Rows are
built in memory and written with `bulk_create` in batches; what the services would compute
(references, requested amounts, snapshot digests) is computed here the same way.
Run inside a Django process whose database is the bench database.
"""

from __future__ import annotations

import datetime
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

BATCH = 2_000
CALL_FILE = Path(__file__).resolve().parent.parent / "calls" / "data" / "france_relance_2020.yaml"
PASSWORD = "Bench-portail-2026!"  # noqa: S105 (benchmark accounts on a throw-away database)
RUSH_SESSION_KEY = "bench-rush"

WORDS = (
    "démarche",
    "usager",
    "agent",
    "plateforme",
    "données",
    "service",
    "numérique",
    "simplification",
    "guichet",
    "territoire",
    "accompagnement",
    "formulaire",
    "dématérialisation",
    "observatoire",
    "interopérabilité",
    "API",
    "inclusion",
    "accessibilité",
    "mutualisation",
    "pilotage",
    "référentiel",
    "parcours",
    "signalement",
    "rendez-vous",
)
MINISTRIES = (
    "Ministère de l'Intérieur",
    "Ministère des Armées",
    "Ministère de la Justice",
    "Ministère de la Culture",
    "Ministère du Travail",
    "Ministère de la Transition écologique",
    "Ministère de l'Économie",
    "Ministère de la Santé",
)
KINDS = ("ministere", "prefecture_region", "service_deconcentre", "operateur", "collectivite", "autre")
# State mix of a call that has been through instruction and jury (drafts never submitted included).
STATE_WEIGHTS = (("draft", 20), ("submitted", 25), ("eligible", 20), ("selected", 15), ("rejected", 20))
CASH_CATEGORIES = ("external_services", "equipment", "licences", "other")


@dataclass
class Seeded:
    """What the rest of the benchmark needs to find again in the data set."""

    scale: int
    seed: int
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0
    admin_id: int = 0
    staff_id: int = 0
    big_applicant_id: int = 0  # member of the organisation with the most dossiers
    small_applicant_id: int = 0  # member of an organisation with exactly 10 dossiers
    small_reference_prefix: str = ""  # matches exactly 10 non-draft dossiers (staff list search)
    rush_user_ids: list = field(default_factory=list)
    rush_dossier_ids: list = field(default_factory=list)
    rush_closes_at: str = ""
    saturation_user_ids: list = field(default_factory=list)  # more drafts, for the closed-loop submissions
    saturation_dossier_ids: list = field(default_factory=list)
    juries: str = ""  # "" when seeded, otherwise why not
    conventions: str = ""


def _siret(rng: random.Random, taken: set) -> str:
    """A SIRET valid for its Luhn keys (SIREN and SIRET), unique in the data set."""

    def complete(digits: str) -> str:
        for last in "0123456789":
            candidate = digits + last
            total = 0
            for index, char in enumerate(reversed(candidate)):
                value = int(char) * (2 if index % 2 else 1)
                total += value - 9 if value > 9 else value
            if total % 10 == 0:
                return candidate
        raise AssertionError

    while True:
        siren = complete("".join(rng.choice("0123456789") for _ in range(8)))
        if siren.startswith("356000000"):
            continue
        siret = complete(siren + "".join(rng.choice("0123456789") for _ in range(4)))
        if siret not in taken:
            taken.add(siret)
            return siret


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _answers(rng: random.Random, schema: dict) -> dict:
    """An answer for every field of the form, valid for its kind (conditions included)."""
    answers = {}
    for section in schema.get("sections", []):
        for item in section.get("fields", []):
            kind, key = item.get("kind"), item["key"]
            if kind in ("short_text",):
                value = _text(rng, 4)[: item.get("max_length") or 255]
            elif kind == "long_text":
                value = _text(rng, 40)[: item.get("max_length") or 3000]
            elif kind == "integer":
                value = rng.randint(100, 500_000)
            elif kind == "amount":
                value = str(rng.randint(10, 900) * 1000)
            elif kind == "percentage":
                value = rng.randint(10, 100)
            elif kind == "date":
                value = f"2021-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            elif kind == "choice":
                value = rng.choice(item["choices"])
            elif kind == "multiple_choice":
                value = rng.sample(item["choices"], k=min(2, len(item["choices"])))
            elif kind == "yes_no":
                value = True
            elif kind == "email":
                value = f"cheffe.projet{rng.randint(1, 9999)}@exemple.gouv.fr"
            elif kind == "url":
                value = "https://exemple.gouv.fr/projet"
            elif kind == "siret":
                value = "13002526500013"
            else:
                continue
            answers[key] = value
    return answers


def _budget(rng: random.Random, rule, theme) -> list[dict]:
    """3 to 8 lines inside the theme's size range and co-financing rate, eligible years and categories."""
    low = int(theme.project_size_min or 100_000)
    high = int(theme.project_size_max or 1_500_000)
    sizes = rule.size_ranges if rule is not None and getattr(rule, "size_ranges", None) else None
    if sizes:
        low = int(max(low, int(sizes[0].minimum or low)))
        high = int(min(high, int(sizes[0].maximum or high)))
    total = Decimal(rng.randint(max(low, 60_000) // 100, max(high * 9 // 10, low + 1000) // 100) * 100)
    rate = (
        Decimal(str(rule.rate_percent)) / 100
        if rule is not None and getattr(rule, "rate_percent", None)
        else Decimal("0.5")
    )
    years = sorted(rule.eligible_years) if rule is not None and rule.eligible_years else [2021, 2022]
    count = rng.randint(3, 8)
    weights = [rng.randint(1, 10) for _ in range(count)]
    amounts = [(total * w / sum(weights)).quantize(Decimal("1")) for w in weights]
    amounts[-1] += total - sum(amounts)
    lines = []
    for index, amount in enumerate(amounts):
        lines.append(
            {
                "label": f"{rng.choice(('Prestation', 'Licence', 'Matériel', 'Hébergement', 'Accompagnement'))} {_text(rng, 2)}",
                "year": years[index % len(years)],
                "category": CASH_CATEGORIES[index % len(CASH_CATEGORIES)],
                "amount": amount,
                "order": index,
            }
        )
    # The programme pays its rate of the total, the carrier the rest: split across the lines.
    programme_total = (total * rate * Decimal("0.95")).quantize(Decimal("1"))
    result, remaining = [], programme_total
    for line in lines:
        share = min(line["amount"], remaining)
        if share > 0:
            result.append({**line, "amount": share, "source": "programme"})
        if line["amount"] - share > 0:
            result.append({**line, "amount": line["amount"] - share, "source": "carrier"})
        remaining -= share
    for order, line in enumerate(result):
        line["order"] = order
    return result


def _bulk(model, rows: list, *, batch: int = BATCH) -> list:
    created = []
    for start in range(0, len(rows), batch):
        created += model.objects.bulk_create(rows[start : start + batch], batch_size=batch)
    return created


def seed(*, scale: int, seed: int = 2026, rush: int = 300, saturation: int = 300, log=print) -> Seeded:
    from applications.evaluation import judge
    from applications.models import Attachment, BudgetLine, Dossier, DossierSnapshot, StoredEvaluation
    from applications.services.evaluations import stored_values
    from applications.services.submission import content_digest
    from calls.interchange import call_file_import
    from calls.models import Session, Theme
    from calls.selectors import current_rule_version, published_form_of, required_documents_of, rule_of
    from portal import services
    from portal.models import Membership, Organisation, Role, User

    started = time.perf_counter()
    rng = random.Random(seed)
    result = Seeded(scale=scale, seed=seed)
    now = timezone.now()

    calls = call_file_import(path=CALL_FILE, actor=None)
    themes = list(
        Theme.objects.filter(call__in=calls).select_related("call__programme").order_by("call_id", "order", "pk")
    )
    programme = themes[0].call.programme
    log(f"  appels importés : {len(calls)}, thèmes : {len(themes)}")

    # People: an admin, a programme staff member, a few hundred carriers with 1 to 3 members each.
    password = make_password(PASSWORD)
    admin = User.objects.create(email="admin@bench.gouv.fr", password=password, is_staff=True, is_superuser=True)
    staff = User.objects.create(email="equipe@bench.gouv.fr", password=password)
    services.role_assign(actor=None, user=admin, role=Role.ADMIN, scope=None)
    services.role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=programme)
    result.admin_id, result.staff_id = admin.pk, staff.pk

    organisation_count = max(20, min(600, scale // 30))
    sirets: set = set()
    organisations = _bulk(
        Organisation,
        [
            Organisation(
                name=f"{rng.choice(('Direction', 'Agence', 'Préfecture', 'Service', 'Mission'))} {_text(rng, 2)[:-1]} n°{index}",
                kind=KINDS[index % len(KINDS)] if index else "ministere",
                siret=_siret(rng, sirets),
                parent_ministry=rng.choice(MINISTRIES),
            )
            for index in range(organisation_count)
        ],
    )
    users, owners = [], []
    for index, organisation in enumerate(organisations):
        for member in range(rng.randint(1, 3)):
            users.append(
                User(
                    email=f"agent{index}-{member}@bench.gouv.fr",
                    password=password,
                    first_name="Agent",
                    last_name=f"{index}-{member}",
                )
            )
            owners.append(organisation)
    users = _bulk(User, users)
    members_of: dict[int, list] = {}
    for user, organisation in zip(users, owners, strict=True):
        members_of.setdefault(organisation.pk, []).append(user)
    memberships = [
        Membership(user=user, organisation=organisation) for user, organisation in zip(users, owners, strict=True)
    ]
    _bulk(Membership, memberships)

    # Sessions: every historical session of each theme, for realistic references and filters.
    sessions_of = {theme.pk: list(Session.objects.filter(theme=theme).order_by("opens_at")) for theme in themes}
    themes = [theme for theme in themes if sessions_of[theme.pk]]
    forms = {theme.pk: published_form_of(theme) for theme in themes}
    rules = {theme.pk: rule_of(theme) for theme in themes}
    documents = {theme.pk: [d for d in required_documents_of(theme) if d.mandatory] for theme in themes}

    # Organisation 0 is large (5 % of the dossiers), organisation 1 has exactly 10: the "Mes dossiers" pair.
    big, small = organisations[0], organisations[1]
    states = [state for state, weight in STATE_WEIGHTS for _ in range(weight)]
    small_prefix = "BENCH10-"
    dossier_rows, budget_of = [], []
    for index in range(scale):
        if index < 10:
            organisation = small
        elif index % 20 == 0:
            organisation = big
        else:
            organisation = organisations[rng.randrange(2, len(organisations))]
        theme = themes[index % len(themes)]
        session = rng.choice(sessions_of[theme.pk])
        state = "submitted" if index < 10 else rng.choice(states)
        acronym = f"{rng.choice(WORDS)[:8].upper()}{index}"
        lines = _budget(rng, rules[theme.pk], theme)
        requested = sum((line["amount"] for line in lines if line["source"] == "programme"), Decimal("0"))
        closes = timezone.localtime(session.closes_at)
        dossier_rows.append(
            Dossier(
                reference=(f"{small_prefix}{index:02d}" if index < 10 else f"{theme.code}-{closes.year}-{index:06d}"),
                organisation=organisation,
                theme=theme,
                session=session,
                form_definition=forms[theme.pk],
                project_key=f"{acronym.lower()}-{index}",
                acronym=acronym,
                title=_text(rng, 8)[:200],
                summary=_text(rng, 60),
                planned_start=datetime.date(2021, rng.randint(1, 12), 1),
                duration_months=rng.choice((12, 18, 24, 36)),
                state=state,
                answers=_answers(rng, forms[theme.pk].schema if forms[theme.pk] else {}),
                requested_amount=requested if state != "draft" else None,
                granted_amount=(requested * Decimal(rng.choice(("1", "0.9", "0.8")))).quantize(Decimal("1"))
                if state == "selected"
                else None,
                created_by=members_of[organisation.pk][0],
                submitted_at=None
                if state == "draft"
                else session.closes_at - datetime.timedelta(minutes=rng.randint(1, 60 * 24 * 10)),
            )
        )
        budget_of.append(lines)
    dossiers = _bulk(Dossier, dossier_rows)
    log(f"  dossiers : {len(dossiers)}")

    budget_rows, attachment_rows, snapshot_rows, stored_rows = [], [], [], []
    # The engine's verdict stored as the services store it (applications.services.evaluations).
    versions = {theme.pk: current_rule_version(theme) for theme in themes}

    def flush(final: bool = False):
        for model, rows in (
            (BudgetLine, budget_rows),
            (Attachment, attachment_rows),
            (DossierSnapshot, snapshot_rows),
            (StoredEvaluation, stored_rows),
        ):
            if rows and (final or len(rows) >= BATCH * 5):
                _bulk(model, rows)
                rows.clear()

    for dossier, lines in zip(dossiers, budget_of, strict=True):
        budget = [BudgetLine(dossier=dossier, **line) for line in lines]
        budget_rows += budget
        version = versions[dossier.theme_id]
        evaluation = version and judge(
            dossier, version=version, lines=budget, previous_grants=Decimal("0"), co_carrier_kinds=[], derogation=None
        )
        total = sum((line.amount for line in budget), Decimal("0"))
        stored_rows.append(StoredEvaluation(dossier=dossier, **stored_values(dossier, evaluation, total)))
        attachments = [
            {
                "kind": document.kind,
                "name": f"{document.kind}-{dossier.acronym}.pdf",
                "size": rng.randint(50_000, 8_000_000),
                "sha256": f"{rng.getrandbits(256):064x}",
            }
            for document in documents[dossier.theme_id]
        ] or [
            {
                "kind": "annexe",
                "name": f"annexe-{dossier.acronym}.pdf",
                "size": rng.randint(50_000, 8_000_000),
                "sha256": f"{rng.getrandbits(256):064x}",
            }
        ]
        attachment_rows += [
            Attachment(
                dossier=dossier,
                kind=item["kind"],
                file=f"dossiers/{dossier.pk}/bench-{item['sha256'][:16]}",
                original_name=item["name"],
                content_type="application/pdf",
                size=item["size"],
                sha256=item["sha256"],
                uploaded_by=dossier.created_by,
            )
            for item in attachments
        ]
        if dossier.state != "draft":
            content = {
                "reference": dossier.reference,
                "theme": dossier.theme.code,
                "session": dossier.session.key,
                "project": {"acronym": dossier.acronym, "title": dossier.title, "summary": dossier.summary},
                "answers": dossier.answers,
                "budget": [{**line, "amount": str(line["amount"])} for line in lines],
                "requested_amount": str(dossier.requested_amount),
                "partners": [],
                "documents": [dict(item) for item in attachments],
            }
            snapshot_rows.append(
                DossierSnapshot(
                    dossier=dossier,
                    number=1,
                    submitted_at=dossier.submitted_at,
                    submitted_by=dossier.created_by,
                    content=content,
                    digest=content_digest(content),
                    receipt=f"receipts/bench-{dossier.pk}.pdf",
                )
            )
        flush()
    flush(final=True)

    result.big_applicant_id = members_of[big.pk][0].pk
    result.small_applicant_id = members_of[small.pk][0].pk
    result.small_reference_prefix = small_prefix
    _seed_rush(
        rng=rng,
        result=result,
        rush=rush,
        saturation=saturation,
        theme=themes[0],
        form=forms[themes[0].pk],
        rule=rules[themes[0].pk],
        documents=documents[themes[0].pk],
        password=password,
        organisations=organisations,
        now=now,
    )
    result.counts = {
        "appels": len(calls),
        "thèmes": len(themes),
        "organisations": len(organisations),
        "utilisateurs": User.objects.count(),
        "dossiers": Dossier.objects.count(),
        "lignes de budget": BudgetLine.objects.count(),
        "pièces (métadonnées)": Attachment.objects.count(),
        "versions déposées": DossierSnapshot.objects.count(),
    }
    result.seconds = time.perf_counter() - started
    return result


def _seed_rush(
    *, rng, result: Seeded, rush: int, saturation: int, theme, form, rule, documents, password, organisations, now
) -> None:
    """`rush` + `saturation` applicants, each with a complete draft in a session that closes 20 minutes from now
    (the first `rush` for the open-loop deadline rush, the others for the closed-loop saturation)."""
    from applications.models import Attachment, BudgetLine, Dossier
    from calls.models import Session
    from portal.models import Membership, User

    with transaction.atomic():
        session = Session.objects.create(
            theme=theme,
            key=RUSH_SESSION_KEY,
            name="Session du banc d'essai",
            kind="guichet",
            opens_at=now - datetime.timedelta(days=30),
            closes_at=now + datetime.timedelta(minutes=20),
        )
        users = _bulk(
            User,
            [
                User(email=f"rush{index}@bench.gouv.fr", password=password, first_name="Rush", last_name=str(index))
                for index in range(rush + saturation)
            ],
        )
        owners = [organisations[2 + index % (len(organisations) - 2)] for index in range(rush + saturation)]
        _bulk(
            Membership, [Membership(user=user, organisation=owner) for user, owner in zip(users, owners, strict=True)]
        )
        dossiers = _bulk(
            Dossier,
            [
                Dossier(
                    reference=f"{theme.code}-RUSH-{index:04d}",
                    organisation=owner,
                    theme=theme,
                    session=session,
                    form_definition=form,
                    project_key=f"rush-{index}",
                    acronym=f"RUSH{index}",
                    title=_text(rng, 8)[:200],
                    summary=_text(rng, 60),
                    planned_start=datetime.date(2021, 3, 1),
                    duration_months=18,
                    state="draft",
                    answers=_answers(rng, form.schema if form else {}),
                    created_by=user,
                )
                for index, (user, owner) in enumerate(zip(users, owners, strict=True))
            ],
        )
        lines, attachments = [], []
        for dossier in dossiers:
            lines += [BudgetLine(dossier=dossier, **line) for line in _budget(rng, rule, theme)]
            kinds = [document.kind for document in documents] or ["annexe"]
            attachments += [
                Attachment(
                    dossier=dossier,
                    kind=kind,
                    file=f"dossiers/{dossier.pk}/bench-{kind}",
                    original_name=f"{kind}.pdf",
                    content_type="application/pdf",
                    size=120_000,
                    sha256=f"{rng.getrandbits(256):064x}",
                    uploaded_by=dossier.created_by,
                )
                for kind in kinds
            ]
        _bulk(BudgetLine, lines)
        _bulk(Attachment, attachments)
    result.rush_user_ids = [user.pk for user in users[:rush]]
    result.rush_dossier_ids = [dossier.pk for dossier in dossiers[:rush]]
    result.saturation_user_ids = [user.pk for user in users[rush:]]
    result.saturation_dossier_ids = [dossier.pk for dossier in dossiers[rush:]]
    result.rush_closes_at = session.closes_at.isoformat()
