"""The optional antivirus scan of `validate_upload`: a command on stdin or clamd's INSTREAM socket, failing closed."""

import shlex
import socket
import struct
import sys
import threading

import pytest
from django.urls import reverse

from applications.models import Attachment
from portal.errors import DomainError
from portal.uploads import validate_upload
from tests.applications.conftest import dossier, member, session, theme  # noqa: F401  (fixtures of the upload view)
from tests.portal import upload_corpus as corpus

FAKE_SCANNER = """
import sys, time
data = sys.stdin.buffer.read()
open(sys.argv[2], "wb").write(data)
mode = sys.argv[1]
if mode == "clean":
    print("stream: OK")
    sys.exit(0)
if mode == "infected":
    print("stream: Eicar-Test-Signature FOUND")
    sys.exit(1)
if mode == "slow":
    time.sleep(10)
print("ERROR: Can't connect to clamd", file=sys.stderr)
sys.exit(2)
"""


def validate(data: bytes = b""):
    return validate_upload(
        uploaded_file=corpus.upload("budget.pdf", data or corpus.pdf()), allowed_formats=["pdf"], max_bytes=None
    )


def refusal() -> DomainError:
    with pytest.raises(DomainError) as caught:
        validate()
    return caught.value


@pytest.fixture
def scanner(tmp_path, settings):
    """Configure a fake scanner command in a given mode; returns the file where it saves what it read."""
    script = tmp_path / "fake_scanner.py"
    script.write_text(FAKE_SCANNER)
    received = tmp_path / "received"

    def configure(mode: str):
        settings.ANTIVIRUS_COMMAND = shlex.join([sys.executable, str(script), mode, str(received)])
        settings.ANTIVIRUS_CLAMD_SOCKET = ""
        settings.ANTIVIRUS_TIMEOUT = 1
        return received

    return configure


def test_no_scanner_configured_means_no_scan(settings):
    settings.ANTIVIRUS_COMMAND = settings.ANTIVIRUS_CLAMD_SOCKET = ""
    assert validate().extension == "pdf"


def test_a_clean_verdict_accepts_the_file_and_the_scanner_read_all_of_it(scanner):
    received = scanner("clean")
    assert validate().extension == "pdf"
    assert received.read_bytes() == corpus.pdf()


def test_an_infected_file_is_refused_with_the_threat_name(scanner):
    scanner("infected")
    error = refusal()
    assert error.code == "infected"
    assert error.message == "Le fichier a été refusé par l'antivirus (Eicar-Test-Signature)."


@pytest.mark.parametrize("mode", ["error", "slow"])
def test_a_failing_or_slow_scanner_refuses_the_file_and_is_logged(scanner, caplog, mode):
    scanner(mode)
    error = refusal()
    assert error.code == "antivirus_unavailable"
    assert "réessayez dans quelques minutes" in error.message
    assert "Antivirus unavailable" in caplog.text


# --- clamd over a unix socket ------------------------------------------------------------------


class FakeClamd:
    """Answers one INSTREAM request with a fixed reply; keeps the bytes it was sent."""

    def __init__(self, path, reply: bytes | None):
        self.reply, self.received = reply, b""
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        self.server.listen(1)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def read_exactly(self, connection, size: int) -> bytes:
        data = b""
        while len(data) < size:
            data += connection.recv(size - len(data))
        return data

    def serve(self):
        connection, _ = self.server.accept()
        with connection:
            assert self.read_exactly(connection, len(b"zINSTREAM\0")) == b"zINSTREAM\0"
            while length := struct.unpack(">I", self.read_exactly(connection, 4))[0]:
                self.received += self.read_exactly(connection, length)
            if self.reply is None:  # hangs: the client's timeout must end the scan
                connection.recv(1)
                return
            connection.sendall(self.reply + b"\0")

    def close(self):
        self.thread.join(timeout=5)
        self.server.close()


@pytest.fixture
def clamd(tmp_path, settings):
    servers = []

    def start(reply: bytes | None) -> FakeClamd:
        path = tmp_path / "clamd.sock"
        settings.ANTIVIRUS_COMMAND = ""
        settings.ANTIVIRUS_CLAMD_SOCKET = str(path)
        settings.ANTIVIRUS_TIMEOUT = 1
        servers.append(FakeClamd(path, reply))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_clamd_ok_accepts_the_file_it_received_whole(clamd):
    server = clamd(b"stream: OK")
    big = corpus.pdf(padding=200_000)  # several INSTREAM chunks
    assert validate(big).size == len(big)
    server.close()
    assert server.received == big


def test_clamd_found_refuses_the_file(clamd):
    clamd(b"stream: Win.Test.EICAR_HDB-1 FOUND")
    error = refusal()
    assert (error.code, error.message) == (
        "infected",
        "Le fichier a été refusé par l'antivirus (Win.Test.EICAR_HDB-1).",
    )


@pytest.mark.parametrize("reply", [b"INSTREAM size limit exceeded. ERROR", None], ids=["error", "timeout"])
def test_clamd_error_or_silence_refuses_the_file(clamd, caplog, reply):
    clamd(reply)
    assert refusal().code == "antivirus_unavailable"
    assert "Antivirus unavailable" in caplog.text


def test_clamd_connection_refused_refuses_the_file(tmp_path, settings, caplog):
    path = tmp_path / "clamd.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as dead:
        dead.bind(str(path))  # the socket file exists, nobody listens: ECONNREFUSED
    settings.ANTIVIRUS_COMMAND, settings.ANTIVIRUS_CLAMD_SOCKET = "", str(path)
    assert refusal().code == "antivirus_unavailable"
    assert "Antivirus unavailable" in caplog.text


# --- Through a real upload view -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("infected", "Le fichier a été refusé par l&#x27;antivirus (Eicar-Test-Signature)."),
        ("error", "réessayez dans quelques minutes"),
    ],
)
def test_a_refused_upload_stores_nothing(client, dossier, member, scanner, settings, mode, message):
    scanner(mode)
    client.force_login(member.user)
    response = client.post(
        reverse("applications:documents", args=[dossier.pk]),
        {"document": dossier.theme.required_documents.get().pk, "file": corpus.upload("lettre.pdf", corpus.pdf())},
        follow=True,
    )
    assert message in response.content.decode()
    assert not Attachment.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


def test_a_clean_upload_is_stored(client, dossier, member, scanner):
    scanner("clean")
    client.force_login(member.user)
    client.post(
        reverse("applications:documents", args=[dossier.pk]),
        {"document": dossier.theme.required_documents.get().pk, "file": corpus.upload("lettre.pdf", corpus.pdf())},
    )
    assert dossier.attachments.get().original_name == "lettre.pdf"
