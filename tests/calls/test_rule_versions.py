"""A theme's rule as a form, in versions: submitted dossiers keep the version they were judged on."""

import html
from decimal import Decimal

import pytest
from django.urls import reverse

from applications.evaluation import dossier_evaluation
from applications.services import submission
from calls.forms_rule import RuleEditor
from calls.models import RuleVersion
from calls.rules import Rule, load_rules
from calls.selectors import current_rule_version
from calls.services.rules import rule_to_yaml, theme_rule_save
from portal.models import AuditEvent, Role
from portal.services import role_assign
from tests.applications.conftest import complete, dossier, member, pdf_file, session, theme  # noqa: F401 (fixtures)
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db

RULES = load_rules()


def page(response) -> str:
    return html.unescape(response.content.decode())


def rule_url(theme, name="theme_rule", *extra):
    return reverse(f"calls_staff:{name}", args=[theme.call_id, theme.pk, *extra])


@pytest.fixture
def staff(theme):
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.PROGRAMME_STAFF, scope=theme.call.programme)
    return user


def post_data(editor: RuleEditor, **changes) -> dict:
    """What the browser sends for the form as shown (initial values), with `changes` applied."""
    data: dict = {}
    for form in [editor.form, editor.note, *editor.sizes, *editor.checks]:
        for field in form:
            value = field.value()
            if isinstance(value, bool):
                if value:
                    data[field.html_name] = "on"
            elif isinstance(value, (list, tuple)):
                data[field.html_name] = [str(item) for item in value]
            elif value is not None:
                data[field.html_name] = (
                    field.field.prepare_value(value) if hasattr(field.field, "prepare_value") else value
                )
    for formset in (editor.sizes, editor.checks):
        for field in formset.management_form:
            data[field.html_name] = field.value()
    data.update(changes)
    return data


@pytest.mark.parametrize("code", sorted(RULES))
def test_the_form_states_every_seeded_rule_exactly(code):
    """Every notion the engine knows is in the form: each seeded rule, shown and sent back, is the same rule."""
    rule = RULES[code]
    editor = RuleEditor(post_data(RuleEditor(rule=rule)))
    assert editor.is_valid(), editor.error_sentences()
    assert editor.rule == rule


def test_all_errors_are_listed_at_once_on_their_fields(client, theme, staff):
    client.force_login(staff)
    editor = RuleEditor(rule=RULES["ITN6"])
    data = post_data(
        editor,
        rate_percent="60",
        derogation_allowed="on",
        derogation_ceiling_percent="50",
        staff_in_carrier_share_only="on",
        eligible_categories=["external_services"],
        **{"tailles-0-minimum": "200000", "tailles-0-maximum": "100000"},
    )
    content = page(client.post(rule_url(theme), data))
    assert "La règle n'est pas enregistrée : 3 points à corriger" in content
    assert "Le taux maximal de dérogation doit dépasser le taux normal." in content
    assert "Le personnel interne doit être une catégorie éligible" in content
    assert "Fourchette n° 1 — Minimum (€) : Le minimum dépasse le maximum." in content
    assert current_rule_version(theme).config == RULES["ITN6"].to_dict()  # nothing saved


def test_a_change_before_any_submission_corrects_the_current_version(theme, staff):
    first = current_rule_version(theme)
    changed = Rule.from_dict({**RULES["ITN6"].to_dict(), "full_funding_up_to": "50000"})
    version = theme_rule_save(actor=staff, theme=theme, rule=changed)
    assert (version.pk, version.number) == (first.pk, 1)
    assert theme.rule_versions.count() == 1
    assert theme_rule_save(actor=staff, theme=theme, rule=changed).pk == first.pk  # same rule: nothing new


def test_a_submitted_dossier_keeps_the_version_it_was_judged_on(
    theme, session, dossier, member, staff, pdf_file, django_capture_on_commit_callbacks, client
):
    dossier = complete(dossier, member.user, pdf_file)
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = submission.dossier_submit(actor=member.user, dossier=dossier, declaration=True)
    dossier.refresh_from_db()
    v1 = current_rule_version(theme)
    assert dossier.rule_version == v1 and snapshot.content["rule_version"] == 1

    # ITN6 lowered to 100 % up to 20 000 €: a new version, since v1 judged a submitted dossier.
    lowered = Rule.from_dict({**RULES["ITN6"].to_dict(), "full_funding_up_to": "20000"})
    v2 = theme_rule_save(actor=staff, theme=theme, rule=lowered, note="Décision du comité du 3 mars")
    assert (v2.number, v2.note) == (2, "Décision du comité du 3 mars")
    assert [v.number for v in theme.rule_versions.all()] == [2, 1]
    event = AuditEvent.objects.filter(action="theme.rule_update").latest("pk")
    assert event.data["version"] == 2 and event.data["new_version"] is True

    kept = dossier_evaluation(dossier)
    assert kept.rule_version == v1 and kept.max_programme_amount == Decimal("30000.00")
    from applications.services import drafting

    newcomer = drafting.dossier_start(
        actor=member.user, session=session, organisation=member.organisation, acronym="B", title="B", summary="B"
    )
    newcomer = complete(newcomer, member.user, pdf_file)
    fresh = dossier_evaluation(newcomer)
    assert fresh.rule_version == v2 and fresh.max_programme_amount == Decimal("20000.00")

    # Every page that shows the result says which version.
    client.force_login(member.user)
    assert "version 1 (en vigueur depuis" in page(client.get(reverse("applications:dossier_detail", args=[dossier.pk])))
    assert "version 2 (en vigueur depuis" in page(client.get(reverse("applications:budget", args=[newcomer.pk])))
    client.force_login(staff)
    staff_page = page(client.get(reverse("applications:staff_dossier", args=[dossier.pk])))
    assert "règle de cofinancement du thème, version 1" in staff_page
    rule_page = page(client.get(rule_url(theme)))
    assert "Des dossiers déposés ont été jugés sur la version 2" not in rule_page
    assert "Version 2 en vigueur depuis le" in rule_page
    assert rule_page.count("Version 1") >= 1


def test_the_rule_page_saves_a_version_and_says_so(client, theme, staff, member, session):
    from tests.applications.factories import DossierFactory

    client.force_login(staff)
    editor = RuleEditor(rule=RULES["ITN6"])
    response = client.post(rule_url(theme), post_data(editor, rate_percent="10"))
    assert response.status_code == 302
    assert current_rule_version(theme).config["rate_percent"] == "10"
    DossierFactory(session=session, submitted=True, rule_version=current_rule_version(theme))
    response = client.post(rule_url(theme), post_data(editor, rate_percent="20"), follow=True)
    assert "Règle enregistrée en version 2, appliquée dès maintenant" in page(response)
    assert [v.config["rate_percent"] for v in theme.rule_versions.all()] == ["20", "10"]


def test_the_preview_renders_the_typed_rule_and_judges_a_trial_budget(client, theme, staff):
    client.force_login(staff)
    data = post_data(
        RuleEditor(rule=RULES["ITN6"]),
        carrier_kind="ministere",
        **{"lignes-TOTAL_FORMS": "1", "lignes-INITIAL_FORMS": "0", "lignes-0-label": "Étude"},
        **{"lignes-0-amount": "60000", "lignes-0-category": "external_services", "lignes-0-year": "2021"},
    )
    content = page(client.post(rule_url(theme, "theme_rule_preview"), data, HTTP_HX_REQUEST="true"))
    assert (
        "Le programme prend en charge 100\u00a0% des dépenses éligibles jusqu'à 48\u202f000,00\u00a0€\u00a0TTC"
        in content
    )
    assert 'data-testid="max-amount">48\u202f000,00\u202f€ TTC' in content
    broken = page(client.post(rule_url(theme, "theme_rule_preview"), {**data, "rate_percent": "150"}))
    assert "Le taux ne peut pas dépasser 100 %." in broken


def test_a_first_rule_in_the_form_for_a_theme_without_one(client, staff, theme):
    theme.rule_versions.all().delete()
    client.force_login(staff)
    assert "Ce thème n'a pas encore de règle" in page(client.get(rule_url(theme)))
    data = post_data(RuleEditor(tax_basis="HT"), rate_percent="50", eligible_categories=["external_services"])
    assert client.post(rule_url(theme), data).status_code == 302
    version = current_rule_version(theme)
    assert version.number == 1 and version.rule == Rule.from_dict(
        {"tax_basis": "HT", "rate_percent": "50", "eligible_categories": ["external_services"]}
    )


def test_yaml_export_and_import_go_through_the_versions(client, theme, staff):
    client.force_login(staff)
    exported = client.get(rule_url(theme, "theme_rule_export", 1))
    assert exported["Content-Disposition"] == 'attachment; filename="regle-ITN6-v1.yaml"'
    assert exported.content.decode() == rule_to_yaml(RULES["ITN6"])
    refused = page(
        client.post(
            rule_url(theme, "theme_rule_import"), {"rule_yaml": 'tax_basis: TTC\nrate_percent: "150"\nplafond: 3'}
        )
    )
    assert "« plafond » : champ inconnu." in refused and "« rate_percent » : taux attendu entre 0 et 100" in refused
    response = client.post(rule_url(theme, "theme_rule_import"), {"rule_yaml": rule_to_yaml(RULES["ITN1"])})
    assert response.status_code == 302
    assert current_rule_version(theme).rule == RULES["ITN1"]
    assert "calls/rules/data" not in page(client.get(rule_url(theme)))


def test_versions_are_numbered_per_theme(theme):
    assert RuleVersion.objects.filter(theme=theme).get().number == 1
