"""The XML parts of a document read as a stream of elements, with no entity declarations allowed.

Office and LibreOffice parts never declare entities; refusing them rules out entity
expansion bombs, and expat never fetches external entities. A worksheet holds hundreds of
thousands of elements: a reader names the few it reacts to, and pays nothing for the others.
"""

from collections.abc import Callable
from xml.parsers import expat

from portal.uploads.refusals import unrecognised

BYTE_ORDER_MARKS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")

Attributes = dict[str, str]


def name(namespace: str, local: str) -> str:
    """An element or attribute name as expat reports it with namespaces on."""
    return f"{namespace} {local}"


def by_local_name(attributes: Attributes) -> Attributes:
    return {key.rpartition(" ")[2]: value for key, value in attributes.items()}


class PartReader:
    """Reacts to one part's elements.

    `elements` maps expat names ("namespace local") to a method taking the raw attributes;
    `every_element`, when set, sees every element (for parts where anything may matter).
    `gather(done)` passes the text of the element just opened to `done` when it closes.
    """

    elements: dict[str, Callable[[Attributes], None]] = {}
    every_element: Callable[[str, Attributes], None] | None = None

    def __init__(self):
        self._parser: expat.XMLParserType | None = None

    def gather(self, done: Callable[[str], None]) -> None:
        parser = self._parser
        pieces: list[str] = []
        depth = 0

        def start(_name, _attributes):
            nonlocal depth
            depth += 1

        def end(_name):
            nonlocal depth
            if depth:
                depth -= 1
                return
            parser.CharacterDataHandler = None
            parser.EndElementHandler = None
            self._listen()
            done("".join(pieces))

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = pieces.append

    def listen_to_every_element(self, callback: Callable[[str, Attributes], None]) -> None:
        self.every_element = callback
        self._listen()

    def _listen(self) -> None:
        elements, every_element = self.elements, self.every_element

        def start(element, attributes):
            react = elements.get(element)
            if react is not None:
                react(attributes)
            if every_element is not None:
                every_element(element, attributes)

        self._parser.StartElementHandler = start

    def read(self, stream) -> None:
        """Read the part in `stream`; a malformed part is a damaged file."""
        self._parser = parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True

        def refuse_entity(*_args):
            raise unrecognised()

        parser.EntityDeclHandler = refuse_entity
        self._listen()
        try:
            parser.ParseFile(stream)
        except expat.ExpatError:
            raise unrecognised() from None
        finally:
            self._parser = None


def looks_like_xml(head: bytes) -> bool:
    for mark in BYTE_ORDER_MARKS:
        head = head.removeprefix(mark)
    head = head.lstrip(b" \t\r\n")
    return head.startswith((b"<", b"<\x00", b"\x00<"))
