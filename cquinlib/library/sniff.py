"""What an attachment's bytes are, checked against what its extension says, from a bounded read of the file.

Magic numbers are `filetype`'s job. What no library does is done here: office packages are opened as ZIP files
(through a reader that refuses to read more than a budget, since a ZIP's directory is read whole and a hostile one
can be as large as the file) to check their declared type and refuse macros; text is checked for the markup that
would let a browser take it for a web page. However large the file, no more than a few megabytes are read.
"""

from __future__ import annotations

import codecs
import re
import zipfile
import zlib
from pathlib import Path
from typing import IO, Callable, Optional

import filetype

from ..format.rules import AttachmentType

HEAD_BYTES = 8192  # what the checks read of every file: magic numbers, and more than any browser sniffs (1445)
ZIP_BUDGET = 4 * 1024 * 1024  # bytes a package's checks may read in all (a real document's directory is a few KB)
PART_LIMIT = 1024 * 1024  # the largest [Content_Types].xml or mimetype part read, once decompressed

# What filetype may call each allowed binary type (an animated PNG is still a PNG).
_MAGIC = {"pdf": {"pdf"}, "png": {"png", "apng"}, "jpg": {"jpg"}, "jpeg": {"jpg"}, "gif": {"gif"},
          "webp": {"webp"}, "docx": {"docx"}, "xlsx": {"xlsx"}, "pptx": {"pptx"}, "odt": {"odt"}, "ods": {"ods"},
          "odp": {"odp"}}
_TEXT = frozenset({"csv", "txt"})
_OOXML_MAIN = {"docx": "wordprocessingml.document.main+xml", "xlsx": "spreadsheetml.sheet.main+xml",
               "pptx": "presentationml.presentation.main+xml"}
# A tag as an HTML or XML parser, or a browser guessing a file's type, would see one: '<' then a name and a space,
# '/' or '>', or '<!', '<?', '</'. '<5 days' and 'a < b' are not tags.
_TAG = re.compile(r"<(?:[!?/]|[A-Za-z][A-Za-z0-9:-]*(?=[\s/>]|$))")
_TAG_NAME = re.compile(r"<[!?/]?[A-Za-z0-9:-]{0,20}")  # what a message quotes of a tag: never what follows
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


# Checks the parts of an open office package: why it is not the kind of file its name says, or None.
_PackageCheck = Callable[[zipfile.ZipFile, AttachmentType], Optional[str]]


class _OverBudget(Exception):
    """A package's checks would read more than ZIP_BUDGET."""


class _BoundedReader:
    """A file that gives at most `budget` bytes in all, for zipfile to read a package through."""

    def __init__(self, file: IO[bytes], budget: int) -> None:
        """Wrap an open binary file."""
        self._file = file
        self._left = budget

    def read(self, size: Optional[int] = -1) -> bytes:
        """Read as a file does, refusing to go over the budget."""
        if size is None or size < 0:
            here = self._file.tell()
            size = self._file.seek(0, 2) - here
            self._file.seek(here)
        if size > self._left:
            raise _OverBudget
        data = self._file.read(size)
        self._left -= len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        """Seek as the file does."""
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        """Tell as the file does."""
        return self._file.tell()

    def seekable(self) -> bool:
        """Always: it is a regular file."""
        return True


def content_problem(real: Path, kind: AttachmentType) -> Optional[str]:
    """Why a file's content is not `kind` or could run script (a phrase to follow its name), or None."""
    with open(real, "rb") as file:
        head = file.read(HEAD_BYTES)
        if kind.extension in _TEXT:
            return _text_problem(head, kind)
        found = filetype.guess(head)
        if found is None or found.extension not in _MAGIC[kind.extension]:
            return f"is not {kind.name}: its content {_described(head, found)}"
        if kind.extension in _OOXML_MAIN:
            return _package_problem(file, kind, _ooxml_problem)
        if kind.extension in ("odt", "ods", "odp"):
            return _package_problem(file, kind, _odf_problem)
    return None


def markup_at_start(head: bytes) -> Optional[str]:
    """What kind of markup a file starts with (byte-order marks and spaces aside): 'HTML', 'SVG', 'XML', or None."""
    start = _decoded(head).lstrip()[:256].lower()
    if not start.startswith("<"):
        return None
    if "<svg" in start:
        return "SVG"
    if start.startswith("<?xml"):
        return "XML"
    return "HTML" if _TAG.match(start) else None


def _described(head: bytes, found: Optional[filetype.Type]) -> str:
    """What a file's content looks like, for a message."""
    markup = markup_at_start(head)
    if markup == "SVG":
        return "is an SVG image, which can run script"
    if markup:
        return f"is {markup}, which can run script"
    if found is not None:
        return f"is a .{found.extension} file ({found.mime})"
    if not head:
        return "is empty"
    return "is not a type the library recognises (the file may be damaged, or not what its name says)"


def _text_problem(head: bytes, kind: AttachmentType) -> Optional[str]:
    """A text attachment must be text, and hold no markup where a browser looks to guess what a file is.

    Magic numbers are not asked: text can begin with one by chance (a CSV whose first column is 'BMI' starts like
    a bitmap), and a binary file holds control characters early on.
    """
    text = _decoded(head)
    control = _CONTROL.search(text)
    if control is not None:
        return (f"is not {kind.name}: it holds binary data (character {ord(control.group()):#04x} on line "
                f"{text.count(chr(10), 0, control.start()) + 1}); save it as text, in UTF-8")
    tag = _TAG.search(text)
    if tag is not None:
        shown = _TAG_NAME.match(text, tag.start()).group()  # type: ignore[union-attr]
        return (f"holds markup ('{shown}' on line {text.count(chr(10), 0, tag.start()) + 1}), so a browser could "
                f"take it for a web page: a text attachment may hold no HTML or XML tags in its first "
                f"{HEAD_BYTES // 1024} KB")
    return None


def _decoded(head: bytes) -> str:
    """The start of a file as text: by its byte-order mark, else byte for byte (tags and controls are ASCII)."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return head.decode(codec, errors="replace")
    return head.decode("latin-1")


def _package_problem(file: IO[bytes], kind: AttachmentType, check: _PackageCheck) -> Optional[str]:
    """Open an office package as a ZIP file, within the budget, and check its parts."""
    file.seek(0)
    try:
        with zipfile.ZipFile(_BoundedReader(file, ZIP_BUDGET)) as package:  # type: ignore[arg-type]
            return check(package, kind)
    except _OverBudget:
        return f"is not {kind.name} the library can check: its ZIP directory is far larger than a document's"
    except RuntimeError:  # zipfile's word for a part that needs a password
        return f"is not {kind.name} the library can check: it is encrypted (save it without a password)"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError, OSError, zlib.error):
        return f"is not {kind.name}: it is damaged or not a complete ZIP package"


def _part(package: zipfile.ZipFile, name: str) -> Optional[bytes]:
    """A small part of a package, decompressed, or None when it is missing or too large to be what it claims."""
    try:
        info = package.getinfo(name)
    except KeyError:
        return None
    if info.file_size > PART_LIMIT:
        return None
    with package.open(info) as part:
        return part.read(PART_LIMIT + 1)


def _ooxml_problem(package: zipfile.ZipFile, kind: AttachmentType) -> Optional[str]:
    """A Word, Excel or PowerPoint file declares its main part's type, and holds no macros."""
    names = package.namelist()
    types = _part(package, "[Content_Types].xml")
    if types is None:
        return f"is not {kind.name}: it is a ZIP file without the parts of an Office document"
    if b"macroEnabled" in types or any(n.lower().endswith("vbaproject.bin") for n in names):
        return f"holds macros, which can run code: save it as a plain .{kind.extension} without macros"
    if _OOXML_MAIN[kind.extension].encode() not in types:
        return (f"is not {kind.name}: its parts declare another kind of Office file (a template or another "
                f"program's): open it and save it as .{kind.extension}")
    return None


def _odf_problem(package: zipfile.ZipFile, kind: AttachmentType) -> Optional[str]:
    """An OpenDocument file names its own type in its mimetype part, and holds no macros."""
    if _part(package, "mimetype") != kind.media_type.encode():
        return f"is not {kind.name}: its mimetype part names another kind of file"
    for name in package.namelist():
        parts = name.split("/")
        # Basic/ may hold empty library descriptors in a document without macros; its modules are what run.
        module = parts[0] == "Basic" and len(parts) >= 3 and parts[-1] not in ("", "script-lb.xml", "dialog-lb.xml")
        if module or (parts[0] == "Scripts" and parts[-1]):
            return f"holds macros, which can run code: save it as a plain .{kind.extension} without macros"
    return None

