"""A small writer of OLE2 compound files (the container of .doc, .xls, .ppt and of VBA projects).

olefile reads these files but cannot create them, so the upload corpus builds its own:
version 3 (512-byte sectors), streams under 4096 bytes in the mini stream as the format
requires, each storage's children chained in the directory's sorted order. Tests read
every file back with olefile, so a mistake here fails loudly rather than weakening a test.
"""

import struct
import uuid

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREE, END_OF_CHAIN, FAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
STORAGE, STREAM, ROOT = 1, 2, 5

SUMMARY_INFORMATION = "F29F85E0-4FF9-1068-AB91-08002B27B3D9"
DOCUMENT_SUMMARY_INFORMATION = "D5CDD502-2E9C-101B-9397-08002B2CF9AE"
PAGE_COUNT = 14  # PIDSI_PAGECOUNT in SummaryInformation
SLIDE_COUNT = 7  # PIDDSI_SLIDECOUNT in DocumentSummaryInformation


class _Node:
    def __init__(self, name: str, kind: int, data: bytes = b""):
        self.name, self.kind, self.data = name, kind, data
        self.children: dict[str, _Node] = {}
        self.sid, self.right = 0, FREE
        self.start, self.size = END_OF_CHAIN, 0


def _sort_key(node: _Node) -> tuple[int, str]:
    # The directory orders siblings by name length first, then by upper-cased name.
    return len(node.name), node.name.upper()


def _tree(streams: dict[str, bytes | None]) -> _Node:
    """ "Storage/Sub/Stream" paths → nodes; None makes an empty storage."""
    root = _Node("Root Entry", ROOT)
    for path, data in streams.items():
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            node = node.children.setdefault(part, _Node(part, STORAGE))
        if data is None:
            node.children.setdefault(parts[-1], _Node(parts[-1], STORAGE))
        else:
            node.children[parts[-1]] = _Node(parts[-1], STREAM, data)
    return root


def _walk(node: _Node) -> list[_Node]:
    nodes = [node]
    for child in sorted(node.children.values(), key=_sort_key):
        nodes.extend(_walk(child))
    return nodes


def _chain(first: int, count: int) -> list[int]:
    return [first + index + 1 for index in range(count - 1)] + [END_OF_CHAIN] if count else []


def compound_file(streams: dict[str, bytes | None]) -> bytes:
    """The bytes of a compound file holding `streams` ("Storage/Stream" → data)."""
    root = _tree(streams)
    nodes = _walk(root)
    for sid, node in enumerate(nodes):
        node.sid = sid
    for node in nodes:
        children = sorted(node.children.values(), key=_sort_key)
        for child, following in zip(children, children[1:], strict=False):
            child.right = following.sid

    mini_stream, mini_fat = b"", []
    big = [node for node in nodes if node.kind == STREAM and len(node.data) >= MINI_CUTOFF]
    for node in nodes:
        if node.kind == STREAM and 0 < len(node.data) < MINI_CUTOFF:
            count = -(-len(node.data) // MINI_SECTOR)
            node.start, node.size = len(mini_fat), len(node.data)
            mini_fat += _chain(len(mini_fat), count)
            mini_stream += node.data.ljust(count * MINI_SECTOR, b"\x00")

    def sectors(size: int) -> int:
        return -(-size // SECTOR)

    directory_sectors = sectors(len(nodes) * 128)
    mini_fat_sectors = sectors(len(mini_fat) * 4)
    mini_stream_sectors = sectors(len(mini_stream))
    big_sectors = [sectors(len(node.data)) for node in big]
    content = directory_sectors + mini_fat_sectors + mini_stream_sectors + sum(big_sectors)
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < fat_sectors + content:
        fat_sectors += 1
    assert fat_sectors <= 109, "the header's table of FAT sectors holds 109 of them"

    fat = [FAT_SECTOR] * fat_sectors
    directory_start = len(fat)
    fat += _chain(directory_start, directory_sectors)
    mini_fat_start = len(fat) if mini_fat_sectors else END_OF_CHAIN
    fat += _chain(len(fat), mini_fat_sectors)
    if mini_stream_sectors:
        root.start, root.size = len(fat), len(mini_stream)
    fat += _chain(len(fat), mini_stream_sectors)
    for node, count in zip(big, big_sectors, strict=True):
        node.start, node.size = len(fat), len(node.data)
        fat += _chain(len(fat), count)
    fat += [FREE] * (fat_sectors * (SECTOR // 4) - len(fat))

    directory = b"".join(_entry(node) for node in nodes)
    body = struct.pack(f"<{len(fat)}I", *fat)
    body += directory.ljust(directory_sectors * SECTOR, b"\x00")
    body += struct.pack(f"<{len(mini_fat)}I", *mini_fat).ljust(mini_fat_sectors * SECTOR, b"\xff")
    body += mini_stream.ljust(mini_stream_sectors * SECTOR, b"\x00")
    for node, count in zip(big, big_sectors, strict=True):
        body += node.data.ljust(count * SECTOR, b"\x00")

    header = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(16)
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack("<IIII", 0, fat_sectors, directory_start, 0)
    header += struct.pack("<IIIII", MINI_CUTOFF, mini_fat_start, mini_fat_sectors, END_OF_CHAIN, 0)
    header += struct.pack("<109I", *(list(range(fat_sectors)) + [FREE] * (109 - fat_sectors)))
    assert len(header) == SECTOR
    return header + body


def _entry(node: _Node) -> bytes:
    """One 128-byte directory entry; siblings chained through their right pointers, in sorted order."""
    children = sorted(node.children.values(), key=_sort_key)
    encoded = node.name.encode("utf-16-le") + b"\x00\x00"
    entry = encoded.ljust(64, b"\x00")
    entry += struct.pack("<HBB", len(encoded), node.kind, 1)
    entry += struct.pack("<III", FREE, node.right, children[0].sid if children else FREE)
    entry += bytes(16 + 4 + 16)  # CLSID, state bits, times
    entry += struct.pack("<IQ", node.start, node.size)
    return entry


def property_set(format_id: str, values: dict[int, int]) -> bytes:
    """A one-section property set stream (SummaryInformation and the like) of 32-bit integers."""
    body = b""
    offsets = []
    header_size = 8 + 8 * len(values)
    for property_id, value in values.items():
        offsets.append((property_id, header_size + len(body)))
        body += struct.pack("<Ii", 3, value)  # VT_I4
    section = struct.pack("<II", header_size + len(body), len(values))
    section += b"".join(struct.pack("<II", property_id, offset) for property_id, offset in offsets) + body
    stream = struct.pack("<HHI", 0xFFFE, 0, 0x00020006) + bytes(16) + struct.pack("<I", 1)
    stream += uuid.UUID(format_id).bytes_le + struct.pack("<I", len(stream) + 20)
    return stream + section
