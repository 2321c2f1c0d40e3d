"""Optional antivirus scan of an upload (settings ANTIVIRUS_COMMAND or ANTIVIRUS_CLAMD_SOCKET), failing closed."""

import logging
import re
import shlex
import socket
import struct
import subprocess

from django.conf import settings
from django.utils.translation import gettext as _

from portal.errors import DomainError

logger = logging.getLogger(__name__)

CLAMD_CHUNK = 64 * 1024
# clamd says "stream: …"; a command such as clamscan may name the file instead.
SCAN_REPLY = re.compile(r"^.*?: (?:(?P<ok>OK)|(?P<threat>.+) FOUND)$")


class AntivirusUnavailable(Exception):
    """The scanner could not give a verdict: the file is refused all the same."""


def antivirus_scan(file, safe_name: str) -> None:
    """Refuse the file if the configured scanner finds a threat or cannot answer (fail closed)."""
    command, socket_path = settings.ANTIVIRUS_COMMAND, settings.ANTIVIRUS_CLAMD_SOCKET
    if not command and not socket_path:
        return
    try:
        if command:
            threat = _scan_with_command(file, command, settings.ANTIVIRUS_TIMEOUT)
        else:
            threat = _scan_with_clamd(file, socket_path, settings.ANTIVIRUS_TIMEOUT)
    except (OSError, subprocess.SubprocessError, AntivirusUnavailable) as error:
        logger.error("Antivirus unavailable, upload %r refused: %s", safe_name, error)
        raise DomainError(
            _(
                "Le fichier n'a pas pu être analysé par l'antivirus, indisponible pour le moment : "
                "réessayez dans quelques minutes."
            ),
            "antivirus_unavailable",
        ) from None
    finally:
        file.seek(0)
    if threat is not None:
        logger.warning("Antivirus refused upload %r: %s", safe_name, threat)
        raise DomainError(_("Le fichier a été refusé par l'antivirus (%(threat)s).") % {"threat": threat}, "infected")


def _threat_name(reply: str) -> str | None:
    """Reply "stream: OK" → None, "stream: Eicar-Signature FOUND" → "Eicar-Signature"; anything else is an error."""
    match = SCAN_REPLY.match(reply.strip())
    if match is None:
        raise AntivirusUnavailable(f"unexpected reply {reply.strip()[:200]!r}")
    return None if match["ok"] else match["threat"]


def _scan_with_command(file, command: str, timeout: float) -> str | None:
    """Run the scanner with the file on stdin: exit 0 clean, 1 infected, anything else an error."""
    file.seek(0)
    # The command is the operator's ANTIVIRUS_COMMAND setting, never user input; no shell.
    result = subprocess.run(  # noqa: S603
        shlex.split(command), input=b"".join(file.chunks()), capture_output=True, timeout=timeout, check=False
    )
    output = result.stdout.decode("utf-8", "replace").strip()
    if result.returncode == 0:
        return None
    if result.returncode == 1:
        found = [match["threat"] for match in map(SCAN_REPLY.match, output.splitlines()) if match and match["threat"]]
        return found[0] if found else _("menace détectée")
    raise AntivirusUnavailable(
        f"exit {result.returncode}: {(output or result.stderr.decode('utf-8', 'replace')).strip()[:200]}"
    )


def _scan_with_clamd(file, socket_path: str, timeout: float) -> str | None:
    """clamd's INSTREAM: length-prefixed chunks, a zero-length end, then one NUL-terminated reply."""
    file.seek(0)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout)
        connection.connect(socket_path)
        connection.sendall(b"zINSTREAM\0")
        for chunk in file.chunks(CLAMD_CHUNK):
            connection.sendall(struct.pack(">I", len(chunk)) + chunk)
        connection.sendall(struct.pack(">I", 0))
        reply = b""
        while not reply.endswith(b"\0"):
            received = connection.recv(4096)
            if not received:
                break
            reply += received
    return _threat_name(reply.rstrip(b"\0").decode("utf-8", "replace"))
