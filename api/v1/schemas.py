"""The shapes the API reads and writes, described in French and English.

Money is a decimal string in euros with two decimals ("12500.00"), never a float; times are ISO 8601
with their offset, in Paris time ("2026-03-15T17:00:00+01:00"); dates are ISO 8601 ("2026-03-15").
Codes (states, kinds, categories) are stable identifiers, each beside its French label.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from django.urls import reverse
from django.utils import timezone
from ninja import Field, Schema
from pydantic import PlainSerializer, WithJsonSchema


def bilingual(french: str, english: str) -> str:
    """A description in French, then in English."""
    return f"{french}\n\n*{english}*"


def d(french: str, english: str):
    """A described field without default (shorthand used throughout this module)."""
    return Field(..., description=bilingual(french, english))


Money = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "format": "decimal", "pattern": r"^-?\d+\.\d{2}$", "examples": ["12500.00"]}),
]
DecimalText = Annotated[
    Decimal,
    PlainSerializer(lambda value: str(value), return_type=str),
    WithJsonSchema({"type": "string", "format": "decimal", "examples": ["72.500"]}),
]
Moment = Annotated[
    datetime,
    PlainSerializer(lambda value: timezone.localtime(value).isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-03-15T17:00:00+01:00"]}),
]


def absolute(context, name: str, **kwargs) -> str:
    path = reverse(f"api_v1:{name}", kwargs=kwargs)
    request = (context or {}).get("request")
    return request.build_absolute_uri(path) if request is not None else path


class Problem(Schema):
    type: str = d("Identifiant du type de problème.", "Problem type identifier.")
    title: str = d("Intitulé du statut HTTP, en français.", "HTTP status title, in French.")
    status: int = d("Code HTTP.", "HTTP status code.")
    detail: str = d("Explication en français, à montrer telle quelle.", "Explanation in French, to show as is.")
    code: str = d("Code stable du problème, pour les programmes.", "Stable problem code, for programs.")
    instance: str | None = Field(None, description=bilingual("Chemin appelé.", "Requested path."))
    errors: list[dict] | None = Field(
        None,
        description=bilingual(
            "Champs en erreur : `field` et `message` (en français).", "Invalid fields: `field` and `message` (French)."
        ),
    )


ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: Problem, 429: Problem}
PUBLIC_ERRORS = {404: Problem, 422: Problem}


# --- Public: programmes, calls, themes, sessions, laureates ---------------------------------------------


class ProgrammeRef(Schema):
    id: int = d("Identifiant du programme.", "Programme id.")
    slug: str = d("Identifiant lisible du programme.", "Programme slug.")
    name: str = d("Nom du programme.", "Programme name.")


class CallOut(Schema):
    id: int = d("Identifiant de l'appel.", "Call id.")
    slug: str = d("Identifiant lisible de l'appel.", "Call slug.")
    title: str = d("Titre.", "Title.")
    kind: str = d("Type : aap (appel à projets), guichet, ami.", "Kind: aap (call for projects), guichet, ami.")
    status: str = d("Statut : published (publié) ou closed (clos).", "Status: published or closed.")
    programme: ProgrammeRef = d("Programme de l'appel.", "Call's programme.")
    description: str = d("Présentation publique.", "Public presentation.")
    tax_basis: str = d("Montants exprimés en HT ou TTC.", "Amounts before (HT) or including (TTC) tax.")
    published_on: date | None = d("Date de publication.", "Publication date.")


class ThemeOut(Schema):
    id: int = d("Identifiant du thème.", "Theme id.")
    call_id: int = d("Identifiant de l'appel.", "Call id.")
    code: str = d("Code du thème (ITN5, SNAP4…).", "Theme code (ITN5, SNAP4…).")
    title: str = d("Titre.", "Title.")
    summary: str = d("Résumé.", "Summary.")
    envelope: Money | None = d("Enveloppe du thème, en euros.", "Theme's envelope, in euros.")
    project_size_min: Money | None = d("Taille minimale d'un projet, en euros.", "Minimum project size, in euros.")
    project_size_max: Money | None = d("Taille maximale d'un projet, en euros.", "Maximum project size, in euros.")
    opening_date: date | None = d("Date d'ouverture.", "Opening date.")


class SessionOut(Schema):
    id: int = d("Identifiant de la session de dépôt.", "Deposit session id.")
    theme_id: int = d("Identifiant du thème.", "Theme id.")
    key: str = d("Identifiant lisible, unique dans le thème.", "Slug, unique within the theme.")
    name: str = d("Nom.", "Name.")
    kind: str = d("Type : aap, guichet, interest, dossier.", "Kind: aap, guichet, interest, dossier.")
    opens_at: Moment = d("Ouverture (incluse).", "Opening (included).")
    closes_at: Moment = d(
        "Clôture (exclue) : rien n'est accepté à partir de cet instant.",
        "Closing (excluded): nothing accepted from then.",
    )
    envelope: Money | None = d("Enveloppe de la session, en euros.", "Session's envelope, in euros.")
    jury_on: date | None = d("Date du jury.", "Jury date.")
    is_open: bool = d("Ouverte maintenant, à l'horloge du serveur.", "Open now, by the server's clock.")

    @staticmethod
    def resolve_is_open(obj) -> bool:
        return obj.is_open()


class LaureateOut(Schema):
    """One grant in the national SCDL « subventions » shape (schema.data.gouv.fr/scdl/subventions)."""

    nomAttribuant: str = d("Nom de l'attribuant.", "Grantor's name.")  # the SCDL schema names its columns
    idAttribuant: str = d("SIRET de l'attribuant.", "Grantor's SIRET.")
    dateConvention: str = d("Date de la convention (AAAA-MM-JJ).", "Agreement date (YYYY-MM-DD).")
    referenceDecision: str = d("Référence de la décision (numéro du dossier).", "Decision reference.")
    nomBeneficiaire: str = d("Nom du bénéficiaire.", "Beneficiary's name.")
    idBeneficiaire: str = d("SIRET du bénéficiaire.", "Beneficiary's SIRET.")
    rnaBeneficiaire: str = d("RNA (sans objet ici).", "RNA (not applicable).")
    objet: str = d("Objet : acronyme et titre du projet.", "Purpose: project acronym and title.")
    montant: str = d("Montant accordé, en euros (chaîne décimale).", "Granted amount, in euros (decimal string).")
    nature: str = d("Nature de l'aide.", "Kind of aid.")
    conditionsVersement: str = d("Conditions de versement.", "Payment terms.")
    datesPeriodeVersement: str = d(
        "Période des versements (premier_dernier paiement).", "Payment period (first_last payment)."
    )
    idRAE: str = d("Identifiant RAE (sans objet ici).", "RAE id (not applicable).")
    notificationUE: str = d("Notification à l'Union européenne.", "Notified to the EU.")
    pourcentageSubvention: str = d("Pourcentage (sans objet ici).", "Percentage (not applicable).")
    dispositifAide: str = d("Dispositif : appel et thème.", "Scheme: call and theme.")


# --- Dossiers ----------------------------------------------------------------------------------------------


class OrganisationOut(Schema):
    id: int = d("Identifiant de l'organisation.", "Organisation id.")
    name: str = d("Nom.", "Name.")
    kind: str = d("Type d'organisation (ministere, prefecture_region…).", "Organisation kind.")
    siret: str = d("SIRET (vide s'il n'est pas connu).", "SIRET (empty when unknown).")


class CallRef(Schema):
    id: int = d("Identifiant de l'appel.", "Call id.")
    slug: str = d("Identifiant lisible de l'appel.", "Call slug.")


class ThemeRef(Schema):
    id: int = d("Identifiant du thème.", "Theme id.")
    code: str = d("Code du thème.", "Theme code.")


class SessionRef(Schema):
    id: int = d("Identifiant de la session.", "Session id.")
    key: str = d("Identifiant lisible de la session.", "Session slug.")
    name: str = d("Nom de la session.", "Session name.")


class DossierRef(Schema):
    id: int = d("Identifiant du dossier.", "Dossier id.")
    reference: str = d("Numéro du dossier.", "Dossier number.")
    url: str = d("Adresse du dossier dans l'API.", "Dossier's API address.")

    @staticmethod
    def resolve_url(obj, context) -> str:
        return absolute(context, "dossier_detail", dossier_id=obj.pk)


class DossierItem(Schema):
    id: int = d("Identifiant du dossier.", "Dossier id.")
    reference: str = d("Numéro du dossier.", "Dossier number.")
    acronym: str = d("Acronyme du projet.", "Project acronym.")
    title: str = d("Titre du projet.", "Project title.")
    state: str = d("État (code stable : submitted, eligible, selected…).", "State (stable code).")
    state_label: str = d("État, en français.", "State, in French.")
    organisation: OrganisationOut = d("Porteur.", "Carrier organisation.")
    call: CallRef = d("Appel.", "Call.")
    theme: ThemeRef = d("Thème.", "Theme.")
    session: SessionRef = d("Session de dépôt.", "Deposit session.")
    requested_amount: Money | None = d("Montant demandé, en euros.", "Requested amount, in euros.")
    granted_amount: Money | None = d("Montant accordé, en euros.", "Granted amount, in euros.")
    created_at: Moment = d("Créé le.", "Created at.")
    submitted_at: Moment | None = d("Déposé le (dernier dépôt).", "Submitted at (last submission).")
    updated_at: Moment = d(
        "Dernière modification du dossier : la clé du filtre `updated_since`.",
        "Last change of the dossier: what `updated_since` filters on.",
    )
    url: str = d("Adresse du détail dans l'API.", "Detail's API address.")

    @staticmethod
    def resolve_state_label(obj) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_call(obj):
        return obj.theme.call

    @staticmethod
    def resolve_url(obj, context) -> str:
        return absolute(context, "dossier_detail", dossier_id=obj.pk)


class DossierPage(Schema):
    items: list[DossierItem] = d("Dossiers de la page.", "Dossiers of the page.")
    next_cursor: str | None = d(
        "Curseur de la page suivante ; null en fin de liste.", "Next page's cursor; null at the end."
    )
    next: str | None = d("Adresse de la page suivante ; null en fin de liste.", "Next page's address; null at the end.")


class BudgetLineOut(Schema):
    label: str = d("Libellé.", "Label.")
    year: int | None = d("Année.", "Year.")
    phase: str = d("Phase.", "Phase.")
    category: str = d("Catégorie (internal_staff, external_services…).", "Category (code).")
    category_label: str = d("Catégorie, en français.", "Category, in French.")
    source: str = d("Financement (programme, carrier, cofinancer, in_kind).", "Funding source (code).")
    source_label: str = d("Financement, en français.", "Funding source, in French.")
    cofinancer_name: str = d("Co-financeur.", "Co-financer.")
    amount: Money = d("Montant, en euros.", "Amount, in euros.")

    @staticmethod
    def resolve_category_label(obj) -> str:
        return str(obj.get_category_display())

    @staticmethod
    def resolve_source_label(obj) -> str:
        return str(obj.get_source_display())


class BudgetOut(Schema):
    lines: list[BudgetLineOut] = d("Lignes du budget.", "Budget lines.")
    total: Money = d("Total des lignes, en euros.", "Total of the lines, in euros.")


class ShareOut(Schema):
    name: str = d("Co-financeur.", "Co-financer.")
    amount: Money = d("Apport, en euros.", "Contribution, in euros.")
    percent: DecimalText = d("Part du coût total, en %.", "Share of the total cost, in %.")


class ViolationOut(Schema):
    code: str = d("Code de la règle enfreinte.", "Broken rule's code.")
    message: str = d("Explication, en français.", "Explanation, in French.")


class ManualCheckOut(Schema):
    code: str = d("Code du contrôle.", "Check code.")
    label: str = d("Ce que l'équipe doit vérifier, en français.", "What staff must check, in French.")


class RuleEvaluationOut(Schema):
    tax_basis: str = d("Montants HT ou TTC.", "Amounts before or including tax.")
    total_cost: Money = d("Coût total.", "Total cost.")
    eligible_cost: Money = d("Coût éligible.", "Eligible cost.")
    max_programme_amount: Money = d("Montant maximal finançable par le programme.", "Most the programme may fund.")
    requested_amount: Money = d("Montant demandé.", "Requested amount.")
    granted_amount: Money = d("Montant finançable (demandé, plafonné).", "Fundable amount (requested, capped).")
    carrier_share: Money = d("Part du porteur.", "Carrier's share.")
    cofinancer_shares: list[ShareOut] = d("Parts des co-financeurs.", "Co-financers' shares.")
    is_compliant: bool = d("Aucune règle enfreinte.", "No rule broken.")
    violations: list[ViolationOut] = d("Règles enfreintes.", "Broken rules.")
    manual_checks: list[ManualCheckOut] = d("Contrôles laissés à l'équipe.", "Checks left to staff.")
    explanation: list[str] = d("Le calcul expliqué pas à pas, en français.", "The computation step by step, in French.")


class PartnerOut(Schema):
    organisation: OrganisationOut = d("Organisation partenaire.", "Partner organisation.")
    role: str = d("Rôle (co_carrier, partner, cofinancer).", "Role (code).")
    role_label: str = d("Rôle, en français.", "Role, in French.")
    commitment: Money | None = d("Engagement financier, en euros.", "Financial commitment, in euros.")

    @staticmethod
    def resolve_role_label(obj) -> str:
        return str(obj.get_role_display())


class DocumentOut(Schema):
    id: int = d("Identifiant de la pièce.", "Document id.")
    kind: str = d("Type de pièce demandée.", "Required document kind.")
    name: str = d("Nom du fichier déposé.", "Uploaded file name.")
    content_type: str = d("Type MIME.", "MIME type.")
    size: int = d("Taille, en octets.", "Size, in bytes.")
    sha256: str = d("Empreinte SHA-256.", "SHA-256 digest.")
    uploaded_at: Moment = d("Déposée le.", "Uploaded at.")
    download_url: str = d(
        "Téléchargement, avec le même jeton (droit dossiers:read).", "Download, with the same token (dossiers:read)."
    )

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.original_name

    @staticmethod
    def resolve_download_url(obj, context) -> str:
        return absolute(context, "dossier_document", dossier_id=obj.dossier_id, document_id=obj.pk)


class SnapshotOut(Schema):
    number: int = d("Numéro du dépôt.", "Submission number.")
    submitted_at: Moment = d("Déposé le.", "Submitted at.")
    digest: str = d("Empreinte SHA-256 de la version figée.", "SHA-256 digest of the frozen version.")


class StateChangeOut(Schema):
    transition: str = d("Transition appliquée.", "Transition applied.")
    from_state: str = d("État de départ.", "From state.")
    to_state: str = d("État d'arrivée.", "To state.")
    reason: str = d("Motif écrit.", "Written reason.")
    at: Moment = d("Le.", "At.")

    @staticmethod
    def resolve_at(obj):
        return obj.created_at


class DossierDetail(DossierItem):
    summary: str = d("Résumé du projet.", "Project summary.")
    planned_start: date | None = d("Début prévu.", "Planned start.")
    duration_months: int | None = d("Durée, en mois.", "Duration, in months.")
    project_key: str = d("Identifiant commun aux phases d'un même projet.", "Key shared by a project's phases.")
    predecessor_id: int | None = d("Dossier précédent (manifestation d'intérêt, redépôt).", "Previous dossier.")
    form_version: int | None = d("Version du formulaire rempli.", "Version of the form filled in.")
    answers: dict = d("Réponses au formulaire, par clé de champ.", "Form answers, by field key.")
    budget: BudgetOut = d("Budget du dossier.", "Dossier's budget.")
    rule_evaluation: RuleEvaluationOut | None = d(
        "Le calcul de la règle de cofinancement du thème sur ce budget ; null sans règle.",
        "The theme's co-financing rule applied to this budget; null without a rule.",
    )
    partners: list[PartnerOut] = d("Partenaires.", "Partners.")
    documents: list[DocumentOut] = d("Pièces jointes (métadonnées et lien).", "Attachments (metadata and link).")
    submitted_versions: list[SnapshotOut] = d("Versions déposées, la plus récente d'abord.", "Submitted versions.")
    history: list[StateChangeOut] = d("Historique des états.", "State history.")


# --- Juries ------------------------------------------------------------------------------------------------


class JuryOut(Schema):
    id: int = d("Identifiant du jury.", "Jury id.")
    name: str = d("Nom.", "Name.")
    call: CallRef = d("Appel.", "Call.")
    theme: ThemeRef | None = d("Thème, s'il est limité à un thème.", "Theme, when narrowed to one.")
    session: SessionRef | None = d("Session, s'il est limité à une session.", "Session, when narrowed to one.")
    evaluations_per_dossier: int = d("Évaluations attendues par dossier.", "Evaluations expected per dossier.")
    due_at: Moment | None = d("Date limite des évaluations.", "Evaluations due at.")


class ScoreOut(Schema):
    score: DecimalText | None = d("Note.", "Score.")
    not_applicable: bool = d("Critère « sans objet ».", "Criterion marked not applicable.")
    comment: str = d("Commentaire du juré.", "Juror's comment.")


class JurorOut(Schema):
    member_id: int = d("Identifiant du membre du jury.", "Jury member id.")
    name: str = d("Nom du juré.", "Juror's name.")


class EvaluationOut(Schema):
    dossier: DossierRef = d("Dossier évalué.", "Dossier evaluated.")
    juror: JurorOut = d("Juré.", "Juror.")
    scores: dict[str, ScoreOut] = d("Notes par code de critère.", "Scores by criterion code.")
    total: DecimalText | None = d("Note pondérée sur 100.", "Weighted score out of 100.")
    fails_threshold: bool = d("Sous le seuil d'un critère.", "Below a criterion's threshold.")
    recommendation: str = d("Recommandation (fund, do_not_fund…).", "Recommendation (code).")
    opinion: str = d("Avis motivé.", "Reasoned opinion.")
    submitted_at: Moment = d("Transmise le.", "Submitted at.")
    is_late: bool = d("Transmise en retard.", "Submitted late.")


class RankingRowOut(Schema):
    rank: int = d("Rang.", "Rank.")
    dossier: DossierRef = d("Dossier.", "Dossier.")
    total: DecimalText | None = d("Note sur 100 (consensus, sinon moyenne).", "Score out of 100 (consensus or mean).")
    source: str = d("Origine de la note : consensus ou moyenne.", "Score source: consensus or mean (moyenne).")
    fails_threshold: bool = d("Sous un seuil.", "Below a threshold.")
    evaluations: int = d("Évaluations comptées.", "Evaluations counted.")
    requested_amount: Money | None = d("Montant demandé.", "Requested amount.")
    max_amount: Money | None = d("Montant maximal finançable.", "Maximum fundable amount.")
    cumulative: Money = d("Cumul des montants dans l'ordre du classement.", "Running total in rank order.")
    decision: str | None = d("Décision enregistrée, s'il y en a une.", "Recorded decision, if any.")


class DecisionOut(Schema):
    id: int = d("Identifiant de la décision.", "Decision id.")
    dossier: DossierRef = d("Dossier.", "Dossier.")
    jury_id: int = d("Jury.", "Jury.")
    deliberation_id: int = d("Délibération.", "Deliberation.")
    recorded_at: Moment = d("Délibéré le.", "Deliberated at.")
    kind: str = d("Décision (selected, rejected, resubmit, reoriented, reserve).", "Decision (code).")
    kind_label: str = d("Décision, en français.", "Decision, in French.")
    rank: int | None = d("Rang au classement.", "Rank.")
    granted_amount: Money | None = d("Montant accordé.", "Granted amount.")
    conditions: str = d("Conditions.", "Conditions.")
    reasons: str = d("Motifs.", "Reasons.")
    target_session_id: int | None = d("Session visée (réorientation, redépôt).", "Target session.")

    @staticmethod
    def resolve_recorded_at(obj):
        return obj.deliberation.recorded_at

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())


class DecisionPage(Schema):
    items: list[DecisionOut]
    next_cursor: str | None
    next: str | None


# --- Funding -----------------------------------------------------------------------------------------------


class TrancheOut(Schema):
    id: int = d("Identifiant de la tranche.", "Tranche id.")
    order: int = d("Ordre dans l'échéancier.", "Order in the schedule.")
    label: str = d("Libellé.", "Label.")
    amount: Money = d("Montant.", "Amount.")
    condition: str = d("Condition (signature, milestone, final_report).", "Release condition (code).")
    milestone_id: int | None = d("Jalon qui la libère.", "Milestone that releases it.")
    previous_id: int | None = d(
        "La même tranche dans la version précédente (avenant).", "Same tranche in the previous version (amendment)."
    )


class ConventionOut(Schema):
    id: int = d("Identifiant de la convention (une version).", "Convention id (one version).")
    dossier: DossierRef = d("Dossier.", "Dossier.")
    version: int = d("Version (un avenant est la suivante).", "Version (an amendment is the next one).")
    previous_id: int | None = d("Version amendée.", "Amended version.")
    status: str = d("Statut (draft, sent, signed_by_carrier, in_force…).", "Status (code).")
    status_label: str = d("Statut, en français.", "Status, in French.")
    amount: Money = d("Montant accordé.", "Granted amount.")
    start_on: date | None = d("Début.", "Start.")
    duration_months: int | None = d("Durée, en mois.", "Duration, in months.")
    sha256: str = d("Empreinte du PDF.", "PDF digest.")
    sent_at: Moment | None = d("Envoyée au porteur le.", "Sent to the carrier at.")
    carrier_signed_at: Moment | None = d("Signée par le porteur le.", "Signed by the carrier at.")
    operator_signed_at: Moment | None = d("Contresignée le.", "Countersigned at.")
    in_force_at: Moment | None = d("En vigueur le.", "In force at.")
    tranches: list[TrancheOut] = d("Échéancier.", "Tranche schedule.")

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_tranches(obj):
        return list(obj.tranches.all())


class ConventionPage(Schema):
    items: list[ConventionOut]
    next_cursor: str | None
    next: str | None


class MilestoneOut(Schema):
    id: int = d("Identifiant du jalon.", "Milestone id.")
    dossier: DossierRef = d("Dossier.", "Dossier.")
    order: int = d("Ordre.", "Order.")
    label: str = d("Libellé.", "Label.")
    due_on: date | None = d("Échéance.", "Due date.")
    status: str = d("Statut (planned, declared, validated, refused).", "Status (code).")
    declared_at: Moment | None = d("Déclaré atteint le.", "Declared reached at.")
    reviewed_at: Moment | None = d("Examiné le.", "Reviewed at.")
    refusal_reason: str = d("Motif du refus.", "Refusal reason.")


class MilestonePage(Schema):
    items: list[MilestoneOut]
    next_cursor: str | None
    next: str | None


class PaymentOut(Schema):
    id: int = d("Identifiant du paiement.", "Payment id.")
    dossier: DossierRef = d("Dossier.", "Dossier.")
    tranche_id: int = d("Tranche payée.", "Tranche paid.")
    paid_on: date = d("Date du paiement.", "Payment date.")
    amount: Money = d("Montant.", "Amount.")
    reference: str = d(
        "Référence dans le système financier, unique par projet.", "Finance system's reference, unique per project."
    )
    recorded_at: Moment = d("Enregistré le.", "Recorded at.")


class PaymentPage(Schema):
    items: list[PaymentOut]
    next_cursor: str | None
    next: str | None


class PaymentIn(Schema):
    tranche: int = d("Identifiant de la tranche payée.", "Id of the tranche paid.")
    paid_on: date = d("Date du paiement (pas dans le futur).", "Payment date (not in the future).")
    amount: str = Field(
        ...,
        pattern=r"^\d{1,12}(\.\d{1,2})?$",
        description=bilingual(
            "Montant en euros, chaîne décimale avec un point (« 12500.00 »).",
            'Amount in euros, decimal string with a dot ("12500.00").',
        ),
        examples=["12500.00"],
    )
    reference: str = Field(
        ...,
        min_length=1,
        max_length=100,
        description=bilingual(
            "Référence du paiement dans le système financier (mandat, virement).",
            "Payment reference in the finance system.",
        ),
    )


class ReportOut(Schema):
    id: int = d("Identifiant du rapport.", "Report id.")
    dossier: DossierRef = d("Dossier.", "Dossier.")
    period_start: date = d("Début de la période.", "Period start.")
    period_end: date = d("Fin de la période.", "Period end.")
    due_on: date = d("À rendre avant le.", "Due on.")
    values: dict = d("Valeurs des indicateurs, par libellé.", "Indicator values, by label.")
    comment: str = d("Commentaire.", "Comment.")
    submitted_at: Moment = d("Transmis le.", "Submitted at.")
    is_late: bool = d("Transmis en retard.", "Submitted late.")


class ReportPage(Schema):
    items: list[ReportOut]
    next_cursor: str | None
    next: str | None


class CallPage(Schema):
    items: list[CallOut]
    next_cursor: str | None
    next: str | None


class LaureatePage(Schema):
    licence: str = d("Licence des données.", "Data licence.")
    schema_url: str = d("Schéma SCDL suivi.", "SCDL schema followed.")
    items: list[LaureateOut]
    next_cursor: str | None
    next: str | None
