"""Services of the staff back-office: each use case, each refusal message, atomicity."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.utils import timezone

from calls.models import Call, Criterion, FormDefinition, MilestoneTemplate, Phase, RequiredDocument, Session, Theme
from calls.services import common, components, form_builder
from calls.services import configuration as services
from portal.errors import DomainError
from portal.models import AuditEvent, Role
from portal.services import role_assign
from tests.applications.factories import DossierFactory
from tests.calls.model_factories import CallFactory, ProgrammeFactory, SessionFactory, ThemeFactory, make_publishable
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def paris(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=PARIS)


def staff_of(programme):
    """A user holding the programme_staff role on `programme`."""
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=programme)
    return user


@pytest.fixture
def draft_theme():
    return ThemeFactory(call=CallFactory(status=Call.Status.DRAFT))


@pytest.fixture
def actor(draft_theme):
    return staff_of(draft_theme.call.programme)


def refusal(callable_, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        callable_(**kwargs)
    return caught.value


# --- calls ------------------------------------------------------------------------------


def test_call_create_is_a_draft_and_audited_under_the_call():
    programme = ProgrammeFactory()
    user = staff_of(programme)
    call = services.call_create(
        actor=user, programme=programme, slug="aap-2027", title="AAP 2027", kind="aap", description="Présentation"
    )
    assert call.status == Call.Status.DRAFT and call.description == "Présentation"
    event = AuditEvent.objects.get(action="call.create")
    assert event.call_id == call.pk and event.actor == user


def test_call_create_refuses_a_taken_slug():
    existing = CallFactory()
    error = refusal(
        services.call_create, actor=None, programme=existing.programme, slug=existing.slug, title="Autre", kind="aap"
    )
    assert error.field == "slug" and "déjà utilisé" in error.message


def test_call_update_records_the_changes(draft_theme, actor):
    services.call_update(actor=actor, call=draft_theme.call, title="Nouveau titre")
    assert Call.objects.get(pk=draft_theme.call_id).title == "Nouveau titre"
    assert AuditEvent.objects.get(action="call.update").data["changes"]["title"][1] == "Nouveau titre"


def test_call_update_refuses_other_fields(draft_theme, actor):
    error = refusal(services.call_update, actor=actor, call=draft_theme.call, status="archived")
    assert "non modifiable" in error.message


def test_call_life_cycle(draft_theme, actor):
    call = draft_theme.call
    error = refusal(services.call_publish, actor=actor, call=call)
    assert error.code == "call_not_ready"
    assert "Le thème T" in error.message and "n'a aucune session de dépôt" in error.message
    make_publishable(draft_theme)
    SessionFactory(theme=draft_theme)
    call = services.call_publish(actor=actor, call=call)
    assert call.status == Call.Status.PUBLISHED and call.published_on == timezone.localdate()
    error = refusal(services.call_archive, actor=actor, call=call)
    assert "ne peut pas passer à « Archivé »" in error.message
    assert services.call_close(actor=actor, call=call).status == Call.Status.CLOSED
    assert services.call_archive(actor=actor, call=call).status == Call.Status.ARCHIVED
    assert list(
        AuditEvent.objects.filter(call_id=call.pk, action__in=["call.publish", "call.close", "call.archive"])
        .order_by("created_at")
        .values_list("action", flat=True)
    ) == ["call.publish", "call.close", "call.archive"]


def test_draft_cannot_be_closed_directly(draft_theme, actor):
    error = refusal(services.call_close, actor=actor, call=draft_theme.call)
    assert error.code == "call_transition_refused"
    error = refusal(services.call_transition, actor=actor, call=draft_theme.call, to_status="inconnu")
    assert error.message == "Un appel « Brouillon » ne peut pas passer à « inconnu »."


# --- themes -----------------------------------------------------------------------------


def test_theme_create_and_update(draft_theme, actor):
    theme = services.theme_create(
        actor=actor,
        call=draft_theme.call,
        code="ITN9",
        title="Nouveau",
        objectives=["Simplifier"],
        envelope=Decimal("100000"),
    )
    assert theme.objectives == ["Simplifier"]
    error = refusal(services.theme_create, actor=actor, call=draft_theme.call, code="ITN9", title="Doublon")
    assert error.field == "code" and "« ITN9 » est déjà utilisé" in error.message
    error = refusal(
        services.theme_update, actor=actor, theme=theme, project_size_min=Decimal("10"), project_size_max=Decimal("5")
    )
    assert error.field == "project_size_max"
    theme = services.theme_update(actor=actor, theme=theme, title="Renommé")
    assert Theme.objects.get(pk=theme.pk).title == "Renommé"
    assert AuditEvent.objects.filter(action="theme.update", call_id=draft_theme.call_id).exists()


def test_theme_duplicate_copies_everything_but_sessions(draft_theme, actor):
    draft_theme.summary = "Résumé"
    draft_theme.save()
    SessionFactory(theme=draft_theme)
    parent = components.criterion_create(actor=actor, theme=draft_theme, code="1", label="Impact")
    components.criterion_create(actor=actor, theme=draft_theme, parent=parent, code="1.1", label="Usagers")
    components.required_document_create(actor=actor, theme=draft_theme, kind="budget", label="Budget", formats=["pdf"])
    phase = components.phase_create(actor=actor, theme=draft_theme, key="p1", label="Phase 1")
    components.milestone_create(actor=actor, phase=phase, key="j1", label="Jalon 1")
    form = form_builder.form_draft_open(actor=actor, theme=draft_theme)
    form_builder.form_section_add(actor=actor, form=form, key="projet", title="Projet")
    form_builder.form_publish(actor=actor, form=form)

    copy = services.theme_duplicate(actor=actor, theme=draft_theme, code="COPIE")

    assert copy.pk != draft_theme.pk and copy.code == "COPIE" and copy.summary == "Résumé"
    assert copy.sessions.count() == 0
    assert list(copy.criteria.filter(parent__isnull=True).values_list("code", flat=True)) == ["1"]
    assert copy.criteria.get(code="1.1").parent.theme == copy
    assert copy.required_documents.get().kind == "budget"
    assert MilestoneTemplate.objects.get(phase__theme=copy).label == "Jalon 1"
    new_form = copy.form_definitions.get()
    assert new_form.status == FormDefinition.Status.DRAFT and new_form.version == 1
    assert new_form.schema["sections"][0]["key"] == "projet"
    error = refusal(services.theme_duplicate, actor=actor, theme=draft_theme, code="COPIE")
    assert error.field == "code"


def test_theme_duplicate_is_all_or_nothing(draft_theme, actor, monkeypatch):
    components.criterion_create(actor=actor, theme=draft_theme, code="1", label="Impact")

    def broken_audit(**kwargs):
        raise RuntimeError("audit indisponible")

    monkeypatch.setattr(common, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        services.theme_duplicate(actor=actor, theme=draft_theme, code="COPIE")
    assert not Theme.objects.filter(code="COPIE").exists()
    assert Criterion.objects.count() == 1


# --- sessions ---------------------------------------------------------------------------


def test_session_naive_times_are_paris_time(draft_theme, actor):
    session = services.session_create(
        actor=actor,
        theme=draft_theme,
        key="s1",
        name="Session 1",
        kind="aap",
        opens_at=datetime.datetime(2027, 1, 10, 9, 0),
        closes_at=datetime.datetime(2027, 3, 1, 17, 0),
    )
    assert session.opens_at == paris(2027, 1, 10, 9, 0)
    assert timezone.localtime(session.closes_at, PARIS).hour == 17


def test_session_closing_before_opening_is_refused_on_the_closing_field(draft_theme, actor):
    error = refusal(
        services.session_create,
        actor=actor,
        theme=draft_theme,
        key="s1",
        name="S",
        kind="aap",
        opens_at=paris(2027, 3, 1, 12),
        closes_at=paris(2027, 3, 1, 12),
    )
    assert error.field == "closes_at"
    assert error.message == "Clôture : la date de clôture doit être postérieure à la date d'ouverture."


def test_overlapping_sessions_of_same_kind_are_refused(draft_theme, actor):
    services.session_create(
        actor=actor,
        theme=draft_theme,
        key="s1",
        name="Printemps",
        kind="aap",
        opens_at=paris(2027, 3, 1, 9),
        closes_at=paris(2027, 4, 1, 12),
    )
    error = refusal(
        services.session_create,
        actor=actor,
        theme=draft_theme,
        key="s2",
        name="Chevauche",
        kind="aap",
        opens_at=paris(2027, 3, 15, 9),
        closes_at=paris(2027, 5, 1, 12),
    )
    assert error.field == "opens_at"
    assert "chevauche la session « Printemps » du même type (du 01/03/2027 09:00 au 01/04/2027 12:00)" in error.message
    # Another kind, or back-to-back windows, are fine.
    services.session_create(
        actor=actor,
        theme=draft_theme,
        key="s3",
        name="Guichet",
        kind="guichet",
        opens_at=paris(2027, 3, 15, 9),
        closes_at=paris(2027, 5, 1, 12),
    )
    services.session_create(
        actor=actor,
        theme=draft_theme,
        key="s4",
        name="Suite",
        kind="aap",
        opens_at=paris(2027, 4, 1, 12),
        closes_at=paris(2027, 5, 1, 12),
    )
    # Another theme's sessions never overlap these.
    other = ThemeFactory(call=draft_theme.call)
    services.session_create(
        actor=actor,
        theme=other,
        key="s1",
        name="Ailleurs",
        kind="aap",
        opens_at=paris(2027, 3, 1, 9),
        closes_at=paris(2027, 4, 1, 12),
    )


def test_session_key_must_be_free_in_the_theme(draft_theme, actor):
    SessionFactory(theme=draft_theme, key="s1")
    error = refusal(
        services.session_create,
        actor=actor,
        theme=draft_theme,
        key="s1",
        name="S",
        kind="guichet",
        opens_at=paris(2030, 1, 1),
        closes_at=paris(2030, 2, 1),
    )
    assert error.field == "key"


def test_session_update_checks_overlap_excluding_itself(draft_theme, actor):
    session = services.session_create(
        actor=actor,
        theme=draft_theme,
        key="s1",
        name="S",
        kind="aap",
        opens_at=paris(2027, 3, 1, 9),
        closes_at=paris(2027, 4, 1, 12),
    )
    session = services.session_update(actor=actor, session=session, closes_at=paris(2027, 4, 15, 12))
    assert session.closes_at == paris(2027, 4, 15, 12)
    error = refusal(services.session_update, actor=actor, session=session, closes_at=paris(2027, 2, 1))
    assert error.field == "closes_at"


def test_dates_of_an_opened_session_of_a_published_call_are_frozen(actor, draft_theme):
    session = SessionFactory(theme=draft_theme)  # opened ten days ago
    Call.objects.filter(pk=draft_theme.call_id).update(status=Call.Status.PUBLISHED)
    error = refusal(
        services.session_update, actor=actor, session=session, closes_at=session.closes_at + datetime.timedelta(days=3)
    )
    assert error.code == "session_dates_frozen" and "déjà ouverte" in error.message
    assert services.session_update(actor=actor, session=session, name="Renommée").name == "Renommée"


def test_dates_of_a_session_with_dossiers_are_frozen_even_in_a_draft_call(actor, draft_theme):
    now = timezone.now()
    session = SessionFactory(
        theme=draft_theme, opens_at=now + datetime.timedelta(days=3), closes_at=now + datetime.timedelta(days=9)
    )
    DossierFactory(session=session)
    error = refusal(services.session_update, actor=actor, session=session, opens_at=now + datetime.timedelta(days=4))
    assert error.code == "session_dates_frozen"


def test_a_session_without_a_key_gets_one_from_the_theme_and_the_opening_month(draft_theme, actor):
    def create(name, opens_on, closes_on):
        return services.session_create(
            actor=actor,
            theme=draft_theme,
            name=name,
            kind="aap",
            opens_at=paris(2027, 3, opens_on, 10),
            closes_at=paris(2027, 3, closes_on, 17),
        )

    base = f"{draft_theme.code.lower()}-2027-03"
    assert create("Vague 1", 1, 10).key == base
    # Another window opening the same month is numbered rather than refused.
    assert create("Vague 2", 15, 31).key == f"{base}-2"


def test_session_duplicate_is_next_month_same_paris_time_with_a_new_key(draft_theme, actor):
    # Across the change to summer time: 10:00 in Paris stays 10:00.
    session = services.session_create(
        actor=actor,
        theme=draft_theme,
        key="mars",
        name="Guichet de mars",
        kind="guichet",
        opens_at=paris(2027, 3, 1, 10),
        closes_at=paris(2027, 3, 31, 17),
    )
    april = services.session_duplicate(actor=actor, session=session)
    assert april.opens_at == paris(2027, 4, 1, 10)
    assert april.closes_at == paris(2027, 4, 30, 17)  # 31 → end of April
    assert april.key == f"{draft_theme.code.lower()}-2027-04" and april.kind == "guichet"
    may = services.session_duplicate(actor=actor, session=april)
    assert may.opens_at == paris(2027, 5, 1, 10) and may.key != april.key


# --- grid -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"weight": Decimal("-1")}, "weight", "Pondération : elle doit être positive ou nulle."),
        (
            {"scale_min": Decimal("5"), "scale_max": Decimal("5")},
            "scale_max",
            "Note maximale : elle doit dépasser la note minimale.",
        ),
        ({"threshold": Decimal("6")}, "threshold", "Seuil minimal : il doit être compris entre 0 et 5."),
        ({"step": Decimal("0")}, "step", "Pas de notation : il doit être positif."),
    ],
)
def test_criterion_bad_values_are_refused(draft_theme, actor, fields, field, message):
    error = refusal(components.criterion_create, actor=actor, theme=draft_theme, code="1", label="Impact", **fields)
    assert (error.field, error.message) == (field, message)


def test_criterion_with_sub_criteria_update_and_delete(draft_theme, actor):
    parent = components.criterion_create(
        actor=actor, theme=draft_theme, code="1", label="Impact", weight=Decimal("2"), threshold=Decimal("2")
    )
    sub = components.criterion_create(actor=actor, theme=draft_theme, parent=parent, code="1.1", label="Usagers")
    error = refusal(components.criterion_create, actor=actor, theme=draft_theme, parent=sub, code="1.1.1", label="Trop")
    assert "sous-critère" in error.message
    components.criterion_update(actor=actor, criterion=sub, label="Usagers et agents")
    assert Criterion.objects.get(pk=sub.pk).label == "Usagers et agents"
    components.criterion_delete(actor=actor, criterion=parent)
    assert not Criterion.objects.exists()
    assert AuditEvent.objects.filter(action="criterion.delete", call_id=draft_theme.call_id).exists()


def test_call_level_grid(draft_theme, actor):
    criterion = components.criterion_create(actor=actor, call=draft_theme.call, code="A", label="Qualité")
    assert criterion.call == draft_theme.call and criterion.theme is None
    error = refusal(
        components.criterion_create, actor=actor, call=draft_theme.call, theme=draft_theme, code="B", label="x"
    )
    assert "soit à l'appel, soit à un thème" in error.message


def test_grid_is_locked_once_published_and_opened(draft_theme, actor):
    criterion = components.criterion_create(actor=actor, theme=draft_theme, code="1", label="Impact")
    SessionFactory(theme=make_publishable(draft_theme))
    services.call_publish(actor=actor, call=draft_theme.call)
    for call_service, kwargs in [
        (components.criterion_create, {"theme": draft_theme, "code": "2", "label": "Nouveau"}),
        (components.criterion_update, {"criterion": criterion, "weight": Decimal("3")}),
        (components.criterion_delete, {"criterion": criterion}),
    ]:
        error = refusal(call_service, actor=actor, **kwargs)
        assert error.message.startswith("La grille ne peut plus être modifiée : l'appel est publié et une session")


def test_grid_is_locked_once_a_dossier_exists(draft_theme, actor):
    dossier = DossierFactory(session=SessionFactory(theme=draft_theme))
    error = refusal(components.criterion_create, actor=actor, theme=dossier.theme, code="1", label="Impact")
    assert "des dossiers ont déjà été déposés ou commencés" in error.message


def test_grid_of_a_published_call_with_future_sessions_stays_editable(draft_theme, actor):
    now = timezone.now()
    SessionFactory(
        theme=make_publishable(draft_theme),
        opens_at=now + datetime.timedelta(days=5),
        closes_at=now + datetime.timedelta(days=30),
    )
    services.call_publish(actor=actor, call=draft_theme.call)
    components.criterion_create(actor=actor, theme=draft_theme, code="1", label="Impact")


# --- documents, phases, info sessions ---------------------------------------------------


def test_required_documents(draft_theme, actor):
    error = refusal(
        components.required_document_create,
        actor=actor,
        theme=draft_theme,
        kind="budget",
        label="Budget",
        formats=[" "],
    )
    assert error.field == "formats"
    document = components.required_document_create(
        actor=actor,
        theme=draft_theme,
        kind="budget",
        label="Budget",
        formats=[".PDF", "ods"],
        max_size_mb=Decimal("10"),
    )
    assert document.formats == ["pdf", "ods"]
    components.required_document_update(actor=actor, document=document, label="Budget prévisionnel")
    assert RequiredDocument.objects.get().label == "Budget prévisionnel"
    components.required_document_delete(actor=actor, document=document)
    assert not RequiredDocument.objects.exists()


def test_phases_and_milestones_are_ordered_and_keyed(draft_theme, actor):
    first = components.phase_create(actor=actor, theme=draft_theme, key="p1", label="Phase 1")
    second = components.phase_create(actor=actor, theme=draft_theme, key="p2", label="Phase 2")
    assert (first.order, second.order) == (1, 2)
    assert refusal(components.phase_create, actor=actor, theme=draft_theme, key="p1", label="x").field == "key"
    components.milestone_create(actor=actor, phase=first, key="j1", label="Jalon")
    assert refusal(components.milestone_create, actor=actor, phase=first, key="j1", label="x").field == "key"
    assert Phase.objects.count() == 2 and MilestoneTemplate.objects.count() == 1
    assert refusal(components.phase_update, actor=actor, phase=second, key="p1").message == (
        "Identifiant : « p1 » est déjà utilisé pour ce thème."
    )
    assert components.phase_update(actor=actor, phase=second, label="Déploiement", order=5).order == 5
    milestone = MilestoneTemplate.objects.get()
    assert components.milestone_update(actor=actor, milestone=milestone, label="Recette").label == "Recette"
    assert AuditEvent.objects.filter(call_id=draft_theme.call_id, action="milestone.update").exists()


def test_info_session_ends_after_start(draft_theme, actor):
    error = refusal(
        components.info_session_create,
        actor=actor,
        call=draft_theme.call,
        title="Webinaire",
        starts_at=paris(2027, 1, 5, 10),
        ends_at=paris(2027, 1, 5, 9),
    )
    assert (error.field, error.message) == ("ends_at", "Fin : elle doit être postérieure au début.")
    info = components.info_session_create(
        actor=actor,
        call=draft_theme.call,
        title="Webinaire",
        starts_at=datetime.datetime(2027, 1, 5, 10),
        ends_at=datetime.datetime(2027, 1, 5, 11),
    )
    assert info.starts_at == paris(2027, 1, 5, 10)
    info = components.info_session_update(actor=actor, info_session=info, place="Paris")
    assert info.place == "Paris"


# --- forms ------------------------------------------------------------------------------


def build_form(actor, theme) -> FormDefinition:
    form = form_builder.form_draft_open(actor=actor, theme=theme)
    form_builder.form_section_add(actor=actor, form=form, key="projet", title="Le projet")
    form_builder.form_field_add(
        actor=actor,
        form=form,
        section_key="projet",
        key="partenaires",
        label="Avec des partenaires ?",
        kind="yes_no",
        required=True,
    )
    form_builder.form_section_add(actor=actor, form=form, key="budget", title="Budget")
    form_builder.form_field_add(
        actor=actor,
        form=form,
        section_key="budget",
        key="liste_partenaires",
        label="Partenaires",
        kind="long_text",
        show_if_field="partenaires",
        show_if_equals="oui",
    )
    return FormDefinition.objects.get(pk=form.pk)


def test_form_builder_sections_fields_and_condition(draft_theme, actor):
    form = build_form(actor, draft_theme)
    assert [s["key"] for s in form.schema["sections"]] == ["projet", "budget"]
    assert form.schema["sections"][1]["fields"][0]["show_if"] == {"field": "partenaires", "equals": True}


def test_condition_on_a_later_or_missing_field_is_refused(draft_theme, actor):
    form = build_form(actor, draft_theme)
    error = refusal(
        form_builder.form_field_add,
        actor=actor,
        form=form,
        section_key="projet",
        key="detail",
        label="Détail",
        kind="short_text",
        show_if_field="inexistant",
        show_if_equals="x",
    )
    assert "renvoie au champ « inexistant », qui n'existe pas avant ce champ" in error.message
    # Moving the condition's target after the conditional field is refused as well.
    error = refusal(form_builder.form_item_move, actor=actor, form=form, section_key="budget", offset=-1)
    assert "renvoie au champ « partenaires »" in error.message
    # And so is removing the field a condition needs.
    error = refusal(
        form_builder.form_item_remove, actor=actor, form=form, section_key="projet", field_key="partenaires"
    )
    assert "partenaires" in error.message
    assert FormDefinition.objects.get(pk=form.pk).schema == form.schema


def test_form_field_update_keeps_the_key_and_revalidates(draft_theme, actor):
    form = build_form(actor, draft_theme)
    form = form_builder.form_field_update(
        actor=actor,
        form=form,
        field_key="liste_partenaires",
        label="Vos partenaires",
        kind="long_text",
        max_length=2000,
        show_if_field="partenaires",
        show_if_equals="oui",
    )
    field = form.schema["sections"][1]["fields"][0]
    assert field == {
        "key": "liste_partenaires",
        "label": "Vos partenaires",
        "kind": "long_text",
        "required": False,
        "max_length": 2000,
        "show_if": {"field": "partenaires", "equals": True},
    }
    # The condition's target may not become a choice field that lacks the expected value.
    error = refusal(
        form_builder.form_field_update,
        actor=actor,
        form=form,
        field_key="partenaires",
        label="Partenaires",
        kind="choice",
        choices=["Aucun", "Quelques-uns"],
    )
    assert "n'est pas un choix du champ « partenaires »" in error.message
    error = refusal(
        form_builder.form_field_update, actor=actor, form=form, field_key="absent", label="x", kind="short_text"
    )
    assert error.message == "Le champ « absent » n'existe pas."


def test_form_move_and_remove(draft_theme, actor):
    form = build_form(actor, draft_theme)
    form_builder.form_field_add(
        actor=actor, form=form, section_key="projet", key="titre", label="Titre", kind="short_text"
    )
    form = form_builder.form_item_move(actor=actor, form=form, section_key="projet", field_key="titre", offset=-1)
    assert [f["key"] for f in form.schema["sections"][0]["fields"]] == ["titre", "partenaires"]
    form = form_builder.form_item_remove(actor=actor, form=form, section_key="budget")
    assert [s["key"] for s in form.schema["sections"]] == ["projet"]


def test_publishing_then_editing_creates_the_next_version(draft_theme, actor):
    form = build_form(actor, draft_theme)
    published = form_builder.form_publish(actor=actor, form=form)
    assert published.status == FormDefinition.Status.PUBLISHED and published.published_at
    error = refusal(form_builder.form_section_add, actor=actor, form=published, key="autre", title="Autre")
    assert "Une version publiée ne se modifie pas" in error.message
    dossier = DossierFactory(session=SessionFactory(theme=draft_theme), form_definition=published)
    draft = form_builder.form_draft_open(actor=actor, theme=draft_theme)
    assert (draft.version, draft.status) == (2, FormDefinition.Status.DRAFT)
    assert draft.schema == published.schema
    assert form_builder.form_draft_open(actor=actor, theme=draft_theme).pk == draft.pk  # the same draft is reused
    form_builder.form_section_add(actor=actor, form=draft, key="annexes", title="Annexes")
    form_builder.form_publish(actor=actor, form=draft)
    dossier.refresh_from_db()
    assert dossier.form_definition_id == published.pk
    assert len(FormDefinition.objects.get(pk=published.pk).schema["sections"]) == 2


def test_empty_form_cannot_be_published_and_json_is_validated(draft_theme, actor):
    form = form_builder.form_draft_open(actor=actor, theme=draft_theme)
    assert "au moins une section" in refusal(form_builder.form_publish, actor=actor, form=form).message
    error = refusal(
        form_builder.form_schema_save,
        actor=actor,
        form=form,
        schema={"sections": [{"key": "Mauvaise Clé", "title": "", "fields": []}]},
    )
    assert (
        error.field == "schema"
        and "identifiant invalide" in error.message
        and "le titre est obligatoire" in error.message
    )
    form_builder.form_schema_save(
        actor=actor, form=form, schema={"sections": [{"key": "a", "title": "A", "fields": []}]}
    )
    assert form_builder.form_publish(actor=actor, form=form).status == FormDefinition.Status.PUBLISHED


def test_form_field_kind_must_be_known(draft_theme, actor):
    form = build_form(actor, draft_theme)
    error = refusal(
        form_builder.form_field_add, actor=actor, form=form, section_key="projet", key="x", label="X", kind="photo"
    )
    assert error.field == "kind"
    error = refusal(
        form_builder.form_field_add,
        actor=actor,
        form=form,
        section_key="absente",
        key="x",
        label="X",
        kind="short_text",
    )
    assert "La section « absente » n'existe pas." == error.message


def test_session_model_rows_untouched_by_refusals(draft_theme, actor):
    before = Session.objects.count()
    refusal(
        services.session_create,
        actor=actor,
        theme=draft_theme,
        key="s",
        name="S",
        kind="aap",
        opens_at=paris(2027, 3, 2),
        closes_at=paris(2027, 3, 1),
    )
    assert Session.objects.count() == before and not AuditEvent.objects.filter(action="session.create").exists()
