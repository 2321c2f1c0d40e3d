"""Staff back-office pages: permission matrix, list query budget, confirmation pages, editors."""

import datetime
import html

import pytest
from django.urls import reverse

from calls.models import Call, Criterion, FormDefinition, Session, Theme
from calls.permissions import can_manage_call, can_use_back_office
from calls.services import components, form_builder
from portal.models import AuditEvent, Role
from portal.services import role_assign
from tests.calls.model_factories import CallFactory, ProgrammeFactory, SessionFactory, ThemeFactory, make_publishable
from tests.calls.test_staff_services import build_form, staff_of
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def theme():
    theme = ThemeFactory(call=CallFactory(status=Call.Status.DRAFT))
    criterion = Criterion.objects.create(theme=theme, code="1", label="Impact")
    theme.criterion = criterion
    theme.session = SessionFactory(theme=theme)
    return theme


@pytest.fixture
def staff_client(client, theme):
    client.force_login(staff_of(theme.call.programme))
    return client


def page_urls(theme) -> list[str]:
    """Every GET page of the back-office about `theme` and its call."""
    call_id, theme_id = theme.call_id, theme.pk
    on_theme = (call_id, theme_id)
    form = FormDefinition.objects.create(theme=theme, version=1, schema={"sections": []})
    document = components.required_document_create(actor=None, theme=theme, kind="cv", label="CV", formats=["pdf"])
    common_criterion = components.criterion_create(actor=None, call=theme.call, code="A", label="Qualité")
    common_document = components.required_document_create(
        actor=None, call=theme.call, kind="rib", label="RIB", formats=["pdf"]
    )
    common_form = form_builder.form_draft_open(actor=None, call=theme.call)
    phase = components.phase_create(actor=None, theme=theme, key="p1", label="Phase 1")
    milestone = components.milestone_create(actor=None, phase=phase, key="j1", label="Jalon 1")
    info = components.info_session_create(
        actor=None,
        call=theme.call,
        title="Webinaire",
        starts_at=datetime.datetime(2030, 1, 1, 10),
        ends_at=datetime.datetime(2030, 1, 1, 11),
    )
    return [
        reverse("calls_staff:call_detail", args=[call_id]),
        reverse("calls_staff:call_update", args=[call_id]),
        reverse("calls_staff:call_transition", args=[call_id, "published"]),
        reverse("calls_staff:info_session_create", args=[call_id]),
        reverse("calls_staff:info_session_update", args=[call_id, info.pk]),
        reverse("calls_staff:theme_create", args=[call_id]),
        reverse("calls_staff:theme_detail", args=on_theme),
        reverse("calls_staff:theme_update", args=on_theme),
        reverse("calls_staff:theme_duplicate", args=on_theme),
        reverse("calls_staff:session_create", args=on_theme),
        reverse("calls_staff:session_update", args=[*on_theme, theme.session.pk]),
        reverse("calls_staff:session_duplicate", args=[*on_theme, theme.session.pk]),
        reverse("calls_staff:criterion_create", args=on_theme),
        reverse("calls_staff:criterion_update", args=[*on_theme, theme.criterion.pk]),
        reverse("calls_staff:criterion_delete", args=[*on_theme, theme.criterion.pk]),
        reverse("calls_staff:document_create", args=on_theme),
        reverse("calls_staff:document_update", args=[*on_theme, document.pk]),
        reverse("calls_staff:document_delete", args=[*on_theme, document.pk]),
        reverse("calls_staff:phase_create", args=on_theme),
        reverse("calls_staff:milestone_create", args=on_theme),
        reverse("calls_staff:phase_update", args=[*on_theme, phase.pk]),
        reverse("calls_staff:milestone_update", args=[*on_theme, milestone.pk]),
        reverse("calls_staff:form_edit", args=on_theme),
        reverse("calls_staff:form_json", args=on_theme),
        reverse("calls_staff:form_publish", args=on_theme),
        reverse("calls_staff:form_preview", args=[*on_theme, form.version]),
        # the call's own ("commun") grid, documents and form
        reverse("calls_staff:criterion_create", args=[call_id]),
        reverse("calls_staff:criterion_update", args=[call_id, common_criterion.pk]),
        reverse("calls_staff:criterion_delete", args=[call_id, common_criterion.pk]),
        reverse("calls_staff:document_create", args=[call_id]),
        reverse("calls_staff:document_update", args=[call_id, common_document.pk]),
        reverse("calls_staff:form_edit", args=[call_id]),
        reverse("calls_staff:form_json", args=[call_id]),
        reverse("calls_staff:form_preview", args=[call_id, common_form.version]),
    ]


# --- permission matrix ------------------------------------------------------------------


def test_staff_of_the_programme_and_admins_see_every_page(client, theme):
    urls = page_urls(theme) + [reverse("calls_staff:list"), reverse("calls_staff:call_create")]
    admin = UserFactory()
    role_assign(actor=None, user=admin, role=Role.ADMIN)
    for user in (staff_of(theme.call.programme), admin):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 200, url


def test_anonymous_users_are_sent_to_login(client, theme):
    for url in page_urls(theme) + [reverse("calls_staff:list")]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("account_login")), url


def test_users_without_a_staff_role_get_403(client, theme):
    client.force_login(UserFactory())
    for url in page_urls(theme) + [reverse("calls_staff:list"), reverse("calls_staff:call_create")]:
        assert client.get(url).status_code == 403, url
    # a juror-like role on nothing, or a fund operator, is not programme staff either
    operator = UserFactory()
    role_assign(actor=None, user=operator, role=Role.FUND_OPERATOR, scope=theme.call.programme)
    client.force_login(operator)
    assert client.get(reverse("calls_staff:call_detail", args=[theme.call_id])).status_code == 403


def test_staff_of_another_programme_get_404_and_cannot_post(client, theme):
    client.force_login(staff_of(ProgrammeFactory()))
    for url in page_urls(theme):
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("calls_staff:call_transition", args=[theme.call_id, "published"]))
    assert response.status_code == 404
    assert Call.objects.get(pk=theme.call_id).status == Call.Status.DRAFT


def test_post_only_actions_deny_like_pages(client, theme):
    url = reverse("calls_staff:form_new_version", args=[theme.call_id, theme.pk])
    response = client.post(url)
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    client.force_login(UserFactory())
    assert client.post(url).status_code == 403
    client.force_login(staff_of(ProgrammeFactory()))
    assert client.post(url).status_code == 404
    assert not FormDefinition.objects.exists()
    client.force_login(staff_of(theme.call.programme))
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302 and FormDefinition.objects.get().theme == theme


def test_an_object_of_another_call_is_404_even_for_staff(staff_client, theme):
    other = SessionFactory(theme=ThemeFactory(call=CallFactory(programme=theme.call.programme)))
    url = reverse("calls_staff:session_update", args=[theme.call_id, theme.pk, other.pk])
    assert staff_client.get(url).status_code == 404
    url = reverse("calls_staff:theme_detail", args=[theme.call_id, other.theme_id])
    assert staff_client.get(url).status_code == 404


def test_unknown_transition_is_404(staff_client, theme):
    assert staff_client.get(reverse("calls_staff:call_transition", args=[theme.call_id, "draft"])).status_code == 404


# --- list -------------------------------------------------------------------------------


def make_calls(programme, count: int) -> None:
    for call in CallFactory.create_batch(count, programme=programme):
        SessionFactory(theme=ThemeFactory(call=call))


@pytest.mark.parametrize("count", [5, 200])
def test_list_query_count_does_not_grow_with_calls(client, django_assert_num_queries, count):
    programme = ProgrammeFactory()
    make_calls(programme, count)
    user = staff_of(programme)
    client.force_login(user)
    # session + user, memberships + roles (user_roles), programmes of the filter, count of the
    # paginator, one page of calls with their counts annotated; then the session saved again
    # (savepoint, update, release) because privileged sessions get a shorter expiry each request.
    with django_assert_num_queries(10):
        response = client.get(reverse("calls_staff:list"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 20)


def test_list_shows_only_managed_programmes_and_filters(staff_client, theme):
    other_programme_call = CallFactory(title="Appel étranger")
    published = CallFactory(programme=theme.call.programme, title="Appel publié", status=Call.Status.PUBLISHED)
    content = text(staff_client.get(reverse("calls_staff:list")))
    assert theme.call.title in content and "Appel publié" in content and "Appel étranger" not in content
    content = text(staff_client.get(reverse("calls_staff:list"), {"statut": "published"}))
    assert "Appel publié" in content and theme.call.title not in content
    content = text(staff_client.get(reverse("calls_staff:list"), {"q": theme.code}))
    assert theme.call.title in content and "Appel publié" not in content
    content = text(staff_client.get(reverse("calls_staff:list"), {"programme": other_programme_call.programme_id}))
    assert "Appel étranger" not in content and published.title not in content


def test_admin_sees_all_calls(client, theme):
    CallFactory(title="Appel d'un autre programme")
    admin = UserFactory(is_superuser=True)
    client.force_login(admin)
    content = text(client.get(reverse("calls_staff:list")))
    assert "Appel d'un autre programme" in content and theme.call.title in content


# --- calls and confirmation pages -------------------------------------------------------


def test_create_a_call_only_in_a_managed_programme(staff_client, theme):
    foreign = ProgrammeFactory()
    data = {"programme": foreign.pk, "slug": "aap-test", "title": "AAP test", "kind": "aap", "tax_basis": "TTC"}
    response = staff_client.post(reverse("calls_staff:call_create"), data)
    assert response.status_code == 200 and not Call.objects.filter(slug="aap-test").exists()
    response = staff_client.post(reverse("calls_staff:call_create"), {**data, "programme": theme.call.programme_id})
    call = Call.objects.get(slug="aap-test")
    assert response.url == reverse("calls_staff:call_detail", args=[call.pk])
    response = staff_client.post(reverse("calls_staff:call_create"), {**data, "programme": theme.call.programme_id})
    assert "L'identifiant « aap-test » est déjà utilisé" in text(response)


def test_publishing_asks_for_confirmation_first(staff_client, theme):
    url = reverse("calls_staff:call_transition", args=[theme.call_id, "published"])
    make_publishable(theme)
    response = staff_client.get(url)
    assert "Publier l'appel" in text(response)
    assert Call.objects.get(pk=theme.call_id).status == Call.Status.DRAFT
    response = staff_client.post(url)
    assert response.status_code == 302
    assert Call.objects.get(pk=theme.call_id).status == Call.Status.PUBLISHED
    # publishing twice is refused on the check page
    response = staff_client.post(url)
    assert response.status_code == 200 and "ne peut pas passer à « Publié »" in text(response)
    for step in ("closed", "archived"):
        staff_client.post(reverse("calls_staff:call_transition", args=[theme.call_id, step]))
    assert Call.objects.get(pk=theme.call_id).status == Call.Status.ARCHIVED


def test_call_detail_offers_only_the_next_step(staff_client, theme):
    content = text(staff_client.get(reverse("calls_staff:call_detail", args=[theme.call_id])))
    assert reverse("calls_staff:call_transition", args=[theme.call_id, "published"]) in content
    assert reverse("calls_staff:call_transition", args=[theme.call_id, "closed"]) not in content


# --- sessions, grid ---------------------------------------------------------------------


def test_session_form_shows_the_error_next_to_the_closing_field(staff_client, theme):
    url = reverse("calls_staff:session_create", args=[theme.call_id, theme.pk])
    response = staff_client.post(
        url,
        {"key": "s2", "name": "S2", "kind": "guichet", "opens_at": "2030-03-01T10:00", "closes_at": "2030-02-01T10:00"},
    )
    form = response.context["form"]
    assert form.errors["closes_at"] == ["Clôture : la date de clôture doit être postérieure à la date d'ouverture."]
    response = staff_client.post(
        url,
        {"key": "s2", "name": "S2", "kind": "guichet", "opens_at": "2030-03-01T10:00", "closes_at": "2030-04-01T17:00"},
    )
    assert response.status_code == 302
    session = Session.objects.get(key="s2")
    assert session.opens_at.isoformat() == "2030-03-01T09:00:00+00:00"  # 10:00 in Paris, winter time


def test_session_duplicate_needs_a_post(staff_client, theme):
    session = SessionFactory(
        theme=theme,
        kind="guichet",
        opens_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC),
        closes_at=datetime.datetime(2030, 1, 31, tzinfo=datetime.UTC),
    )
    url = reverse("calls_staff:session_duplicate", args=[theme.call_id, theme.pk, session.pk])
    assert "un mois plus tard" in text(staff_client.get(url))
    assert Session.objects.filter(theme=theme).count() == 2
    staff_client.post(url)
    assert Session.objects.filter(theme=theme, kind="guichet").count() == 2


def test_locked_grid_is_explained_and_refused(staff_client, theme):
    Call.objects.filter(pk=theme.call_id).update(status=Call.Status.PUBLISHED)
    content = text(staff_client.get(reverse("calls_staff:theme_detail", args=[theme.call_id, theme.pk])))
    assert "Configuration figée" in content
    response = staff_client.post(
        reverse("calls_staff:criterion_update", args=[theme.call_id, theme.pk, theme.criterion.pk]),
        {"code": "1", "label": "Impact", "weight": "3", "scale_min": "0", "scale_max": "5", "step": "1", "order": "0"},
    )
    assert "La grille ne peut plus être modifiée" in text(response)
    assert Criterion.objects.get(pk=theme.criterion.pk).weight == 1


def test_criterion_form_error_is_on_the_field(staff_client, theme):
    response = staff_client.post(
        reverse("calls_staff:criterion_create", args=[theme.call_id, theme.pk]),
        {
            "code": "2",
            "label": "Coût",
            "weight": "1",
            "scale_min": "0",
            "scale_max": "5",
            "step": "1",
            "threshold": "8",
            "order": "1",
        },
    )
    assert response.context["form"].errors["threshold"] == ["Seuil minimal : il doit être compris entre 0 et 5."]


def test_a_document_kind_is_chosen_from_the_list_or_named_as_another(staff_client, theme):
    url = reverse("calls_staff:document_create", args=[theme.call_id, theme.pk])
    fields = {"label": "Étude d'impact", "formats": ["pdf"], "scope": "file", "mandatory": "on", "order": "1"}
    response = staff_client.post(url, {**fields, "kind": "autre"})
    assert response.context["form"].errors["other_kind"] == ["Donnez l'identifiant de ce type de pièce."]
    staff_client.post(url, {**fields, "kind": "autre", "other_kind": "etude-impact"})
    staff_client.post(url, {**fields, "kind": "lettre-engagement", "label": "Lettre"})
    assert set(theme.required_documents.values_list("kind", flat=True)) == {"etude-impact", "lettre-engagement"}
    # Editing a document of another kind shows « autre » with its identifier.
    document = theme.required_documents.get(kind="etude-impact")
    form = staff_client.get(reverse("calls_staff:document_update", args=[theme.call_id, theme.pk, document.pk]))
    assert form.context["form"].initial["kind"] == "autre"
    assert form.context["form"].initial["other_kind"] == "etude-impact"


def test_theme_duplicate_page(staff_client, theme):
    url = reverse("calls_staff:theme_duplicate", args=[theme.call_id, theme.pk])
    response = staff_client.post(url, {"code": theme.code})
    assert response.context["form"].errors["code"]
    response = staff_client.post(url, {"code": "COPIE"})
    copy = Theme.objects.get(code="COPIE")
    assert response.url == reverse("calls_staff:theme_detail", args=[theme.call_id, copy.pk])


# --- form builder -----------------------------------------------------------------------


def test_form_builder_through_the_pages(staff_client, theme):
    edit = reverse("calls_staff:form_edit", args=[theme.call_id, theme.pk])
    staff_client.post(reverse("calls_staff:form_new_version", args=[theme.call_id, theme.pk]))
    staff_client.post(edit, {"action": "section_add", "section-key": "projet", "section-title": "Projet"})
    staff_client.post(
        edit,
        {
            "action": "field_add",
            "field-section_key": "projet",
            "field-key": "groupement",
            "field-label": "En groupement ?",
            "field-kind": "yes_no",
        },
    )
    response = staff_client.post(
        edit,
        {
            "action": "field_add",
            "field-section_key": "projet",
            "field-key": "membres",
            "field-label": "Membres",
            "field-kind": "long_text",
            "field-show_if_field": "inconnu",
            "field-show_if_equals": "oui",
        },
    )
    assert response.status_code == 200  # "inconnu" is not among the choices: refused by the form
    response = staff_client.post(
        edit,
        {
            "action": "field_add",
            "field-section_key": "projet",
            "field-key": "membres",
            "field-label": "Membres",
            "field-kind": "long_text",
            "field-show_if_field": "groupement",
            "field-show_if_equals": "oui",
        },
    )
    assert response.status_code == 302
    response = staff_client.post(edit, {"action": "item", "operation": "up", "section": "projet", "field": "membres"})
    assert "qui n'existe pas avant ce champ" in text(response)
    form = FormDefinition.objects.get(theme=theme)
    assert [f["key"] for f in form.schema["sections"][0]["fields"]] == ["groupement", "membres"]

    preview = staff_client.get(reverse("calls_staff:form_preview", args=[theme.call_id, theme.pk, form.version]))
    assert "Affiché si « groupement » vaut « oui »" in text(preview)

    staff_client.post(reverse("calls_staff:form_publish", args=[theme.call_id, theme.pk]))
    assert FormDefinition.objects.get(pk=form.pk).status == FormDefinition.Status.PUBLISHED
    content = text(staff_client.get(edit))
    assert "Créer la version 2" in content
    # no draft: editing actions are not possible
    assert (
        staff_client.post(edit, {"action": "section_add", "section-key": "x", "section-title": "X"}).status_code == 404
    )


def test_form_field_edit_page(staff_client, theme):
    form = build_form(None, theme)
    url = reverse("calls_staff:form_field_update", args=[theme.call_id, theme.pk, "liste_partenaires"])
    response = staff_client.get(url)
    assert response.context["form"]["show_if_equals"].value() == "oui"
    assert "key" not in response.context["form"].fields
    response = staff_client.post(
        url,
        {
            "label": "Partenaires du projet",
            "kind": "long_text",
            "required": "on",
            "show_if_field": "partenaires",
            "show_if_equals": "oui",
        },
    )
    assert response.status_code == 302
    field = FormDefinition.objects.get(pk=form.pk).schema["sections"][1]["fields"][0]
    assert field["label"] == "Partenaires du projet" and field["required"] is True
    assert (
        staff_client.get(reverse("calls_staff:form_field_update", args=[theme.call_id, theme.pk, "absent"])).status_code
        == 404
    )
    assert url in text(staff_client.get(reverse("calls_staff:form_edit", args=[theme.call_id, theme.pk])))


def test_form_json_editor_validates(staff_client, theme):
    form_builder.form_draft_open(actor=None, theme=theme)
    url = reverse("calls_staff:form_json", args=[theme.call_id, theme.pk])
    response = staff_client.post(url, {"schema": "{pas du json"})
    assert "JSON invalide" in text(response)
    bad = '{"sections": [{"key": "s", "title": "S", "fields": [{"key": "b", "label": "B", "kind": "short_text", "show_if": {"field": "a", "equals": "x"}}, {"key": "a", "label": "A", "kind": "short_text"}]}]}'
    response = staff_client.post(url, {"schema": bad})
    assert "la condition d'affichage renvoie au champ « a », qui n'existe pas avant ce champ" in text(response)
    assert FormDefinition.objects.get(theme=theme).schema == {"sections": []}


def test_form_publish_without_draft_is_404(staff_client, theme):
    build_form(None, theme)
    form = FormDefinition.objects.get(theme=theme)
    form_builder.form_publish(actor=None, form=form)
    assert staff_client.get(reverse("calls_staff:form_publish", args=[theme.call_id, theme.pk])).status_code == 404


def test_common_grid_and_form_of_the_call(staff_client, theme):
    call_id = theme.call_id
    response = staff_client.post(
        reverse("calls_staff:criterion_create", args=[call_id]),
        {"code": "A", "label": "Qualité", "weight": "1", "scale_min": "0", "scale_max": "5", "step": "1", "order": "0"},
    )
    assert response.url == reverse("calls_staff:call_detail", args=[call_id])
    criterion = Criterion.objects.get(call_id=call_id)
    assert criterion.theme is None
    content = text(staff_client.get(reverse("calls_staff:call_detail", args=[call_id])))
    assert (
        "Grille d'évaluation commune" in content
        and reverse("calls_staff:criterion_update", args=[call_id, criterion.pk]) in content
    )
    # a theme's criterion is not reachable through the call's routes, and vice versa
    assert (
        staff_client.get(reverse("calls_staff:criterion_update", args=[call_id, theme.criterion.pk])).status_code == 404
    )
    assert (
        staff_client.get(reverse("calls_staff:criterion_update", args=[call_id, theme.pk, criterion.pk])).status_code
        == 404
    )

    staff_client.post(reverse("calls_staff:form_new_version", args=[call_id]))
    form = FormDefinition.objects.get(call_id=call_id)
    assert form.theme is None and form.version == 1
    staff_client.post(
        reverse("calls_staff:form_edit", args=[call_id]),
        {"action": "section_add", "section-key": "porteur", "section-title": "Le porteur"},
    )
    assert FormDefinition.objects.get(pk=form.pk).schema["sections"][0]["key"] == "porteur"


def test_common_grid_is_locked_when_one_theme_is(staff_client, theme):
    Call.objects.filter(pk=theme.call_id).update(status=Call.Status.PUBLISHED)
    content = text(staff_client.get(reverse("calls_staff:call_detail", args=[theme.call_id])))
    assert "Grille commune figée" in content
    response = staff_client.post(
        reverse("calls_staff:criterion_create", args=[theme.call_id]),
        {"code": "A", "label": "Qualité", "weight": "1", "scale_min": "0", "scale_max": "5", "step": "1", "order": "0"},
    )
    assert "La grille ne peut plus être modifiée" in text(response)


def test_permission_functions():
    call = CallFactory()
    staff, other_staff, nobody, admin = (
        staff_of(call.programme),
        staff_of(ProgrammeFactory()),
        UserFactory(),
        UserFactory(is_superuser=True),
    )
    assert can_manage_call(staff, call) and can_manage_call(admin, call)
    assert not can_manage_call(other_staff, call) and not can_manage_call(nobody, call)
    assert can_use_back_office(other_staff) and can_use_back_office(admin) and not can_use_back_office(nobody)


def test_configuration_changes_are_in_the_call_audit(staff_client, theme):
    staff_client.post(
        reverse("calls_staff:theme_update", args=[theme.call_id, theme.pk]),
        {"code": theme.code, "title": "Titre modifié", "order": "0"},
    )
    assert Theme.objects.get(pk=theme.pk).title == "Titre modifié"
    assert AuditEvent.objects.filter(call_id=theme.call_id, action="theme.update").exists()
