"""Demo dossiers for `load_demo`: one in each applicant-visible state, built through the services,
and the published laureates of the first ETNA edition with their closed session.

Idempotent: nothing is added when the demo dossiers are already there.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from applications.models import Dossier
from applications.selectors import dossier_required_documents
from applications.services import attachments, drafting, exchanges, submission
from applications.workflow import DossierState
from calls.demo import DATA_DIR, DEMO_SESSION_KEY
from calls.models import Session, Theme
from portal.demo import demo_user
from portal.models import Organisation, OrganisationKind
from portal.pdf import render_pdf

LAUREATES_FILE = DATA_DIR / "etna_2019_laureates.yaml"

ANSWERS = {
    "contexte": {
        "probleme": "Les usagers déposent aujourd'hui leur demande sur papier ; les agents ressaisissent chaque dossier.",
        "objectifs": "Dématérialiser la démarche de bout en bout et réduire le délai de traitement de moitié.",
        "usagers": "12000",
        "demarche_existante": "false",
    },
    "mise_en_oeuvre": {
        "equipe_interne": "Une cheffe de projet à mi-temps, deux agents métier à 20 %, un développeur.",
        "chef_projet": "cheffe.projet@demo.gouv.fr",
        "methode": "Agile (itérations courtes)",
        "calendrier": "Premier service en ligne au bout de trois mois, généralisation en fin d'année.",
    },
    # The light form of an expression of interest (PIA LIT).
    "intention": {
        "ambition": "Un lieu commun aux services de l'État en région pour concevoir avec les agents les démarches de demain.",
        "equipe": "SGAR, DREAL, DIRECCTE et deux directions départementales ; la région et une université partenaires.",
        "besoins": "Méthodes de design de service et appui juridique pour les expérimentations.",
        "contact": "labo.innovation@demo.gouv.fr",
    },
    "impact": {
        "indicateurs": "Part des demandes déposées en ligne (cible 80 %) ; délai moyen de traitement (cible 15 jours).",
        "part_usagers_cible": "80",
        "reutilisation": ["Code source ouvert", "Documentation publiée"],
    },
}


def _budget(*, programme: str, carrier: str, year: int) -> list[dict]:
    """Two lines: what the programme is asked to fund, and the carrier's own share."""
    return [
        {
            "label": "Prestations de développement",
            "year": year,
            "phase": "",
            "category": "external_services",
            "source": "programme",
            "cofinancer_name": "",
            "amount": Decimal(programme),
        },
        {
            "label": "Accompagnement au changement",
            "year": year,
            "phase": "",
            "category": "other",
            "source": "carrier",
            "cofinancer_name": "",
            "amount": Decimal(carrier),
        },
    ]


def _demo_pdf(title: str) -> SimpleUploadedFile:
    content = render_pdf("applications/pdf/demo_document.html", {"title": title})
    return SimpleUploadedFile(f"{title}.pdf", content, content_type="application/pdf")


def demo_dossier(
    *,
    user,
    organisation,
    theme_code: str,
    call_slug: str,
    acronym: str,
    title: str,
    sections: list[str],
    budget: list[dict],
    submit: bool,
    session_key: str = DEMO_SESSION_KEY,
    predecessor: Dossier | None = None,
) -> Dossier:
    """A demo dossier written through the services; `predecessor` for a second step or a next phase."""
    session = Session.objects.get(theme__call__slug=call_slug, theme__code=theme_code, key=session_key)
    dossier = drafting.dossier_start(
        actor=user,
        session=session,
        organisation=organisation,
        acronym=acronym,
        title=title,
        summary=f"{title} : projet de démonstration du portail.",
        planned_start=timezone.localdate() + timedelta(days=60),
        duration_months=12,
        predecessor=predecessor,
    )
    for key in sections:
        dossier = drafting.dossier_save_section(
            actor=user,
            dossier=dossier,
            section_key=key,
            raw_answers=ANSWERS[key],
            base_version=dossier.section_versions.get(key, 0),
        ).dossier
    if budget:
        dossier = drafting.budget_replace(actor=user, dossier=dossier, lines=budget, base_version=0)
    for document in dossier_required_documents(dossier):
        if document.mandatory:
            attachments.attachment_upload(
                actor=user, dossier=dossier, required_document=document, uploaded_file=_demo_pdf(document.kind)
            )
    if submit:
        submission.dossier_submit(actor=user, dossier=dossier, declaration=True)
        dossier.refresh_from_db()
    return dossier


def _laureates(*, author) -> int:
    """The ten ETNA laureates of the first edition, selected, and the fifteen other dossiers received."""
    data = yaml.safe_load(Path(LAUREATES_FILE).read_text(encoding="utf-8"))
    themes = {theme.code: theme for theme in Theme.objects.filter(call__slug=data["call"])}
    if not themes:
        return 0
    sessions = {code: theme.sessions.get(key=data["session"]) for code, theme in themes.items()}
    created = 0
    for index, laureate in enumerate(data["laureates"], start=1):
        organisation, _ = Organisation.objects.get_or_create(
            name=laureate["organisation"],
            defaults={"kind": OrganisationKind.MINISTRY, "parent_ministry": laureate["ministry"] or ""},
        )
        session = sessions[laureate["axis"]]
        Dossier.objects.create(
            reference=f"ETNA-2019-L{index:02d}",
            organisation=organisation,
            theme=session.theme,
            session=session,
            acronym=laureate["title"][:40],
            title=laureate["headline"],
            summary=laureate["summary"],
            state=DossierState.SELECTED,
            submitted_at=session.closes_at,
            created_by=author,
            granted_amount=Decimal(laureate["amount"]) if laureate["amount"] else None,
        )
        created += 1
    others = Organisation.objects.update_or_create(
        name="Candidats non retenus (ETNA 2019)", defaults={"kind": OrganisationKind.OTHER, "is_placeholder": True}
    )[0]
    session = next(iter(sessions.values()))
    for index in range(1, data["dossiers_received"] - data["laureates_count"] + 1):
        Dossier.objects.create(
            reference=f"ETNA-2019-N{index:02d}",
            organisation=others,
            theme=session.theme,
            session=session,
            acronym=f"NR{index:02d}",
            title=f"Dossier non retenu n°{index}",
            state=DossierState.REJECTED,
            submitted_at=session.closes_at,
            created_by=author,
        )
    return created


@transaction.atomic
def load(*, stdout=None) -> None:
    if Dossier.objects.filter(reference__startswith="ETNA-2019-L").exists():
        return
    ministry_user, prefecture_user = demo_user("deposant2@demo.gouv.fr"), demo_user("deposant@demo.gouv.fr")
    staff = demo_user("equipe@demo.gouv.fr")
    ministry, prefecture = ministry_user.memberships.get().organisation, prefecture_user.memberships.get().organisation
    full = ["contexte", "mise_en_oeuvre", "impact"]
    france_relance = "france-relance-tne-2020"
    # The demonstration sessions admit this year's and next year's expenses (calls.demo).
    this_year = timezone.localdate().year
    demo_dossier(
        user=ministry_user,
        organisation=ministry,
        theme_code="ITN1",
        call_slug=france_relance,
        acronym="RDV-CULTURE",
        title="Prise de rendez-vous en ligne dans les services d'archives",
        sections=["contexte"],
        budget=_budget(programme="90000", carrier="30000", year=this_year),
        submit=False,
    )
    demo_dossier(
        user=ministry_user,
        organisation=ministry,
        theme_code="ITN6",
        call_slug=france_relance,
        acronym="LABEL-MUSEES",
        title="Expérimentation d'un assistant de labellisation des musées",
        sections=full,
        budget=[
            {
                "label": "Prestation d'une jeune entreprise innovante",
                "year": this_year,
                "phase": "",
                "category": "external_services",
                "source": "programme",
                "cofinancer_name": "",
                "amount": Decimal("30000"),
            }
        ],
        submit=True,
    )
    # The jury demo takes ITN6's dossier into evaluation: this one stays « déposé » for the applicant.
    demo_dossier(
        user=ministry_user,
        organisation=ministry,
        theme_code="SNAP1",
        call_slug=france_relance,
        acronym="MUTUAL-ARCHIVES",
        title="Mutualisation d'un service d'archivage électronique",
        sections=full,
        budget=_budget(programme="150000", carrier="0", year=this_year),
        submit=True,
    )
    complement = demo_dossier(
        user=ministry_user,
        organisation=ministry,
        theme_code="ITN4",
        call_slug=france_relance,
        acronym="SUBV-ARTS",
        title="Dématérialisation des demandes de subvention aux artistes",
        sections=full,
        budget=_budget(programme="150000", carrier="50000", year=this_year + 1),
        submit=True,
    )
    if complement.state == DossierState.SUBMITTED:
        exchanges.complement_request_create(
            actor=staff,
            dossier=complement,
            due_at=timezone.now() + timedelta(days=15),
            points=[{"section": "impact", "message": "Précisez la valeur actuelle de chaque indicateur."}],
        )
    withdrawn = demo_dossier(
        user=ministry_user,
        organisation=ministry,
        theme_code="ITN2",
        call_slug=france_relance,
        acronym="PATRIMOINE",
        title="Portail des données du patrimoine",
        sections=full,
        budget=_budget(programme="150000", carrier="150000", year=this_year),
        submit=True,
    )
    if withdrawn.state == DossierState.SUBMITTED:
        exchanges.dossier_withdraw(
            actor=ministry_user, dossier=withdrawn, reason="Le projet est repris par un autre financement."
        )
    demo_dossier(
        user=prefecture_user,
        organisation=prefecture,
        theme_code="CPT",
        call_slug="pia-2016-cpt",
        acronym="CPT-BZH",
        title="Communauté professionnelle des agents de l'ATE en Bretagne",
        sections=full,
        budget=_budget(programme="120000", carrier="120000", year=2026),
        submit=False,
    )
    laureates = _laureates(author=demo_user("admin@demo.gouv.fr"))
    if stdout is not None:
        stdout.write(f"Dossiers de démonstration : 6 dossiers en cours, {laureates} lauréats ETNA publiés.")
