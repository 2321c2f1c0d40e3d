"""The client's address behind a reverse proxy (portal/http.py): X-Forwarded-For is believed only from a
trusted proxy, so that a client cannot choose the address its audit events and rate limits are kept under."""

import pytest
from django.test import override_settings
from django.urls import reverse

from portal.http import client_ip
from portal.models import AuditEvent
from tests.portal.factories import PASSWORD, UserFactory

PROXIES = ["10.0.0.0/8", "fd00::/8"]


def address(rf, remote, forwarded=None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(rf.get("/", **headers))


def test_without_trusted_proxies_the_header_is_ignored(rf, settings):
    settings.TRUSTED_PROXIES = []
    assert address(rf, "203.0.113.9", "198.51.100.1") == "203.0.113.9"


@override_settings(TRUSTED_PROXIES=PROXIES)
@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        # A client talking to us directly cannot name another address.
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        # Through the proxy: the address the proxy saw, appended on the right.
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
        # What the client wrote itself stays to the left of what our proxy appended.
        ("10.0.0.2", "192.0.2.66, 198.51.100.1", "198.51.100.1"),
        # Two proxies of ours (a load balancer, then nginx): skipped from the right.
        ("10.0.0.2", "198.51.100.1, 10.1.2.3", "198.51.100.1"),
        ("fd00::2", "2001:db8::7", "2001:db8::7"),
        # An unreadable entry stops the walk at the last proxy, never at what a client wrote.
        ("10.0.0.2", "198.51.100.1, n'importe quoi", "10.0.0.2"),
        # The proxy sent no header: its own address, the only one known.
        ("10.0.0.2", None, "10.0.0.2"),
        ("10.0.0.2", "10.0.0.3", "10.0.0.3"),
    ],
)
def test_the_header_is_read_only_from_a_trusted_proxy(rf, remote, forwarded, expected):
    assert address(rf, remote, forwarded) == expected


def test_without_a_request_there_is_no_address():
    assert client_ip(None) is None


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=PROXIES)
def test_audit_events_keep_the_clients_address_not_a_spoofed_one(client):
    user = UserFactory()
    client.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.66, 198.51.100.1",
    )
    client.post(reverse("account_logout"), REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.66")
    events = dict(AuditEvent.objects.values_list("action", "ip_address"))
    assert events == {"auth.login": "198.51.100.1", "auth.logout": "203.0.113.9"}
