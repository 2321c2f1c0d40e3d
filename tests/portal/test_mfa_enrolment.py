"""Before the second factor, nothing (issue 14, finding 7): a privileged account that has not enrolled
TOTP reaches only the enrolment pages, logout and the health probe. Every URL of the portal, its own
and the third-party ones (allauth, admin), is requested with GET and POST, as a page, as htmx and as
a JSON caller, by a programme staff member without TOTP.
"""

import pytest
from allauth.mfa.base.internal.flows import delete_and_cleanup
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import resolve, reverse

from portal.middleware import ENROLMENT_URL_NAMES
from portal.models import Role
from portal.services import role_assign
from tests.calls.model_factories import ProgrammeFactory
from tests.portal.factories import MembershipFactory
from tests.portal.test_permission_matrix import EXPECTED, build_kwargs, url_patterns, world  # noqa: F401 (fixture)
from tests.portal.test_permission_matrix_third_party import third_party_patterns, url_of

ENROLMENT = "/comptes/2fa/totp/activate/"


def every_url(arguments) -> list[str]:
    urls = [
        reverse(name, kwargs=build_kwargs(name, pattern, EXPECTED[name], arguments)) for name, pattern in url_patterns()
    ]
    urls += [url_of(name, pattern) for name, pattern in third_party_patterns()]
    return urls


def gives_nothing(response) -> bool:
    if response.status_code == 403:
        return True
    return response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.django_db
def test_an_unenrolled_staff_member_reaches_only_the_enrolment_pages(world, settings):
    settings.PORTAL_ENFORCE_MFA = True
    users, arguments = world
    staff = users["staff_p"]
    assert reverse("mfa_activate_totp") == ENROLMENT
    urls = every_url(arguments)
    leaks, reachable = [], set()
    for url in urls:
        if resolve(url).view_name in ENROLMENT_URL_NAMES:
            reachable.add(resolve(url).view_name)
            continue
        for method, headers in [
            ("get", {}),
            ("post", {}),
            ("get", {"HTTP_HX_REQUEST": "true"}),
            ("get", {"HTTP_ACCEPT": "application/json"}),
        ]:
            client = Client(raise_request_exception=False)
            client.force_login(staff)
            response = getattr(client, method)(url, **headers)
            if not gives_nothing(response):
                leaks.append(f"{method.upper()} {url} {headers} : {response.status_code}")
            elif headers and response.status_code != 403:
                leaks.append(f"{method.upper()} {url} {headers} : {response.status_code} au lieu de 403")
    print(f"\nAvant le second facteur : {len(urls)} URL, {len(reachable)} joignables ({sorted(reachable)}).")
    assert not leaks, "\n".join(leaks)
    assert reachable == ENROLMENT_URL_NAMES


@pytest.mark.django_db
def test_the_enrolment_page_logout_and_health_answer_before_enrolment(client, world, settings):
    settings.PORTAL_ENFORCE_MFA = True
    users, _ = world
    client.force_login(users["staff_p"])
    assert client.get(reverse("portal:health")).status_code == 200
    assert client.get(reverse("mfa_activate_totp")).status_code in (200, 302)
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200 or response["Location"].startswith("/comptes/reauthenticate/")
    assert client.get(reverse("account_reauthenticate")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_htmx_and_json_callers_get_a_bare_403(client, world, settings):
    settings.PORTAL_ENFORCE_MFA = True
    users, _ = world
    client.force_login(users["juror_j"])
    response = client.get(reverse("portal:notifications"), HTTP_HX_REQUEST="true")
    assert response.status_code == 403 and response["HX-Redirect"] == ENROLMENT
    response = client.get(reverse("portal:personal_data_download"), HTTP_ACCEPT="application/json")
    assert response.status_code == 403 and set(response.json()) == {"detail", "enrolment"}


@pytest.mark.django_db
def test_removing_the_second_factor_closes_the_portal_again(client, settings, rf):
    """The session remembers the enrolment; taking TOTP away (allauth's flow) must not leave that memory behind."""
    settings.PORTAL_ENFORCE_MFA = True
    staff = MembershipFactory().user
    role_assign(actor=None, user=staff, role=Role.PROGRAMME_STAFF, scope=ProgrammeFactory())
    totp = Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(staff)
    assert client.get(reverse("portal:notifications")).status_code == 200
    request = rf.post(reverse("mfa_deactivate_totp"))
    request.user, request.session = staff, client.session
    delete_and_cleanup(request, totp)
    request.session.save()
    response = client.get(reverse("portal:notifications"))
    assert response.status_code == 302 and response["Location"] == ENROLMENT
