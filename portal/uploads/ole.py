"""OLE2 compound files (doc, xls, ppt): which program wrote them, no VBA storage, not an encrypted package."""

import struct

from portal.uploads.refusals import encrypted_error, macro_error, unrecognised

SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
# OLE2 streams that say which Office program wrote the file.
OLE2_MAIN_STREAMS = {"worddocument": "doc", "workbook": "xls", "book": "xls", "powerpoint document": "ppt"}
# OLE2 storages/streams holding VBA code (Word: Macros, Excel: _VBA_PROJECT_CUR).
OLE2_MACRO_NAMES = frozenset({"macros", "_vba_project_cur", "_vba_project", "vba"})


def check_ole(file) -> str:
    names = {name.lower() for name in _ole2_directory_names(file)}
    if names & OLE2_MACRO_NAMES:
        raise macro_error()
    if "encryptedpackage" in names:  # a password-protected docx/xlsx/pptx is wrapped in OLE2
        raise encrypted_error()
    kinds = {kind for stream, kind in OLE2_MAIN_STREAMS.items() if stream in names}
    if len(kinds) != 1:
        raise unrecognised()
    return kinds.pop()


_OLE2_FREE = 0xFFFFFFFF
_OLE2_END_OF_CHAIN = 0xFFFFFFFE
_OLE2_MAX_SECTOR = 0xFFFFFFFA


def _ole2_directory_names(file) -> list[str]:
    """Names of all storages and streams, read from the directory chain of the compound file.

    A real parse (header → FAT → directory sectors) rather than a byte search, so that a
    document whose text mentions "Macros" is not mistaken for one that contains them.
    """
    file.seek(0, 2)
    file_size = file.tell()

    def read_at(offset: int, length: int) -> bytes:
        file.seek(offset)
        data = file.read(length)
        if len(data) != length:
            raise unrecognised()
        return data

    header = read_at(0, 512)
    sector_shift = struct.unpack_from("<H", header, 0x1E)[0]
    if sector_shift not in (9, 12):
        raise unrecognised()
    sector_size = 1 << sector_shift
    max_sectors = file_size // sector_size + 1

    def read_sector(number: int) -> bytes:
        if number > _OLE2_MAX_SECTOR or number >= max_sectors:
            raise unrecognised()
        return read_at((number + 1) * sector_size, sector_size)

    fat_sector_count, first_directory_sector = struct.unpack_from("<II", header, 0x2C)
    first_difat_sector, difat_sector_count = struct.unpack_from("<II", header, 0x44)
    if fat_sector_count > max_sectors or difat_sector_count > max_sectors:
        raise unrecognised()
    fat_sectors = [number for number in struct.unpack_from("<109I", header, 0x4C) if number <= _OLE2_MAX_SECTOR]
    difat_sector = first_difat_sector
    for _index in range(difat_sector_count):
        if difat_sector > _OLE2_MAX_SECTOR:
            break
        values = struct.unpack(f"<{sector_size // 4}I", read_sector(difat_sector))
        fat_sectors.extend(number for number in values[:-1] if number <= _OLE2_MAX_SECTOR)
        difat_sector = values[-1]
    fat: list[int] = []
    for number in fat_sectors[:fat_sector_count]:
        fat.extend(struct.unpack(f"<{sector_size // 4}I", read_sector(number)))

    names = []
    sector = first_directory_sector
    seen = set()
    while sector != _OLE2_END_OF_CHAIN:
        if sector in seen or sector >= len(fat):  # a loop or a chain leaving the FAT: corrupt
            raise unrecognised()
        seen.add(sector)
        data = read_sector(sector)
        for offset in range(0, sector_size, 128):
            name_length, object_type = struct.unpack_from("<HB", data, offset + 0x40)
            if object_type in (1, 2, 5) and 2 <= name_length <= 64:
                names.append(data[offset : offset + name_length - 2].decode("utf-16-le", "replace"))
        sector = fat[sector]
    if not names:
        raise unrecognised()
    return names
