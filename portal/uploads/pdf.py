"""PDF: read with qpdf (pikepdf), refused when it runs, launches, fetches, embeds or hides anything.

Every object of the file is visited, not only those reachable from the pages: qpdf expands
object streams and decodes names (`/J#61vaScript` is `/JavaScript`), and each earlier
revision kept by an incremental update is read as well, since a reader can show it.
"""

import io
import json
import re

import pikepdf
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.errors import DomainError
from portal.uploads.content import Inspected
from portal.uploads.refusals import encrypted_error

SIGNATURE = b"%PDF-"
# Every revision but the last ends with its own %%EOF; beyond this many the file is refused
# rather than read again and again (an ordinary "Save as" writes a single revision).
MAX_REVISIONS = 16
END_OF_REVISION = re.compile(rb"%%EOF")
REFERENCE = re.compile(r"^(\d+) (\d+) R$")

PROBLEMS = {
    "javascript": gettext_lazy("du JavaScript"),
    "automatic": gettext_lazy("une action lancée à l'ouverture ou sur un événement"),
    "launch": gettext_lazy("une commande qui lance un programme"),
    "remote": gettext_lazy("une action qui ouvre un autre fichier ou envoie des données vers un site"),
    "embedded": gettext_lazy("des fichiers joints"),
    "xfa": gettext_lazy("un formulaire XFA"),
    "media": gettext_lazy("un contenu multimédia interactif (Flash, 3D)"),
}
# Actions (/S) that run code, start a program, or open, import or send to another file or site;
# /URI links and /GoTo within the document stay allowed.
REFUSED_ACTIONS = {
    "/JavaScript": "javascript",
    "/Launch": "launch",
    "/GoToR": "remote",
    "/GoToE": "embedded",
    "/ImportData": "remote",
    "/SubmitForm": "remote",
    "/RichMediaExecute": "media",
}
# Annotations (/Subtype) that carry a file, or a player with its own scripts.
REFUSED_SUBTYPES = {"/FileAttachment": "embedded", "/RichMedia": "media", "/3D": "media"}
# Keys whose value a reader follows even when it is a reference to another object.
RESOLVED_KEYS = ("/S", "/Subtype", "/Type", "/OpenAction", "/AA")


def check_pdf(file) -> Inspected:
    """The page count of a PDF free of active content, or DomainError saying what it carries."""
    file.seek(0)
    data = file.read()
    file.seek(0)
    pages = _inspect_revision(data, final=True)
    earlier = [match.end() for match in END_OF_REVISION.finditer(data)][:-1]
    if len(earlier) > MAX_REVISIONS:
        raise DomainError(
            _(
                "Le PDF a été modifié plus de %(limit)s fois par enregistrements successifs : enregistrez-en "
                "une copie (« Enregistrer sous » ou « Imprimer » puis « Enregistrer au format PDF ») et "
                "déposez-la."
            )
            % {"limit": MAX_REVISIONS},
            "pdf_revisions",
        )
    for end in earlier:
        _inspect_revision(data[:end], final=False)
    return Inspected("pdf", pages)


def _inspect_revision(data: bytes, *, final: bool) -> int | None:
    """Walk every object of this revision; its page count when `final`.

    An earlier revision that qpdf cannot read (the first part of a linearised file, a %%EOF
    inside a stream) is skipped: only the whole file must be readable.
    """
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            _check_objects(pdf)
            return len(pdf.pages) if final else None
    except pikepdf.PasswordError:
        if final:
            raise encrypted_error() from None
    except (pikepdf.PdfError, RecursionError, ValueError, RuntimeError):
        if final:
            raise _damaged() from None
    return None


def _check_objects(pdf: pikepdf.Pdf) -> None:
    def resolve(value):
        match = REFERENCE.match(value) if isinstance(value, str) else None
        if match is None:
            return value
        return _as_json(pdf.get_object(int(match[1]), int(match[2])))

    for item in [*pdf.objects, pdf.trailer]:
        if isinstance(item, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)):
            problem = _problem_in(_as_json(item), resolve)
            if problem is not None:
                raise _active_content(problem)


def _as_json(item: pikepdf.Object):
    """The object with its direct contents, as qpdf's JSON: names decoded, a stream as its dictionary."""
    value = json.loads(item.to_json(dereference=True, schema_version=2))
    if isinstance(value, dict) and set(value) == {"stream"}:
        return value["stream"].get("dict", {})
    return value


def _problem_in(value, resolve) -> str | None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            problem = _dictionary_problem(item, resolve)
            if problem is not None:
                return problem
            stack.extend(child for child in item.values() if isinstance(child, dict | list))
        elif isinstance(item, list):
            stack.extend(child for child in item if isinstance(child, dict | list))
    return None


def _dictionary_problem(dictionary: dict, resolve) -> str | None:
    if "/JS" in dictionary or "/JavaScript" in dictionary:
        return "javascript"
    if "/EmbeddedFiles" in dictionary or "/EF" in dictionary:
        return "embedded"
    if "/XFA" in dictionary:
        return "xfa"
    values = {key: resolve(dictionary[key]) for key in RESOLVED_KEYS if key in dictionary}
    if values.get("/AA"):
        return "automatic"
    if values.get("/Type") == "/EmbeddedFile":
        return "embedded"
    action = values.get("/S")
    if isinstance(action, str) and action in REFUSED_ACTIONS:
        return REFUSED_ACTIONS[action]
    subtype = values.get("/Subtype")
    if isinstance(subtype, str) and subtype in REFUSED_SUBTYPES:
        return REFUSED_SUBTYPES[subtype]
    # A destination (an array) only shows a page; an action other than going to a page, run
    # as the file opens, is refused (its /Next chain is judged where it stands).
    open_action = values.get("/OpenAction")
    if isinstance(open_action, dict):
        kind = resolve(open_action.get("/S"))
        kind = kind if isinstance(kind, str) else ""
        if "/JS" in open_action or kind in REFUSED_ACTIONS:
            return REFUSED_ACTIONS.get(kind, "javascript")
        if kind != "/GoTo":
            return "automatic"
    return None


def _active_content(problem: str) -> DomainError:
    return DomainError(
        _(
            "Le PDF contient %(problem)s : ce contenu actif est refusé pour des raisons de sécurité. "
            "Enregistrez-le à nouveau en PDF simple (par exemple avec « Imprimer » puis « Enregistrer au "
            "format PDF »), sans script ni pièce jointe."
        )
        % {"problem": PROBLEMS[problem]},
        "pdf_active_content",
    )


def _damaged() -> DomainError:
    return DomainError(
        _(
            "Le PDF est illisible ou endommagé : enregistrez-le à nouveau (par exemple avec « Imprimer » puis "
            "« Enregistrer au format PDF ») et déposez-le."
        ),
        "format",
    )
