"""Attachments are inert: only a closed list of document, spreadsheet, text and image types, each checked to be what
its name says and to hold nothing a browser would run, within a size limit, served with headers that make a
browser download them. Every test writes a library and runs the command line, as a contributor would."""

from __future__ import annotations

import base64
import io
import re
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from conftest import SCHEME, write_content, write_library
from cquinlib.commands.cli import main
from helpers import build, page, snapshot

EXAMPLE = "2010-11/london/example"
OOXML = "application/vnd.openxmlformats-officedocument."
MAIN_PART = {"docx": ("word/document.xml", OOXML + "wordprocessingml.document.main+xml"),
             "xlsx": ("xl/workbook.xml", OOXML + "spreadsheetml.sheet.main+xml"),
             "pptx": ("ppt/presentation.xml", OOXML + "presentationml.presentation.main+xml")}
ODF = {"odt": "text", "ods": "spreadsheet", "odp": "presentation"}


# --------------------------------------------------------------------------- sample files of every allowed type


def png(extra: bytes = b"") -> bytes:
    """A 1x1 PNG image (and anything after its end)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        """One PNG chunk with its length and CRC."""
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b"") + extra)


JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb\x00C\x00" + bytes(range(1, 65))
        + b"\xff\xd9")
GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00"
       b"\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
WEBP = base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
PDF = (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
       b"trailer <</Root 1 0 R>>\n%%EOF\n")


def ooxml(extension: str, main_type: str | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """A Word, Excel or PowerPoint package: its content types first, as Office writes them."""
    part, declared = MAIN_PART[extension]
    types = (f'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             f'<Override PartName="/{part}" ContentType="{main_type or declared}"/></Types>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", types)
        package.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        package.writestr(part, '<?xml version="1.0"?><document/>')
        for name, data in (extra or {}).items():
            package.writestr(name, data)
    return out.getvalue()


def odf(extension: str, mimetype: str | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """An OpenDocument package: its mimetype part first and stored, as the standard requires."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        declared = mimetype or f"application/vnd.oasis.opendocument.{ODF[extension]}"
        package.writestr(zipfile.ZipInfo("mimetype"), declared, compress_type=zipfile.ZIP_STORED)
        package.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>')
        for name, data in (extra or {}).items():
            package.writestr(name, data)
    return out.getvalue()


def damaged(package: bytes) -> bytes:
    """A package whose first part's compressed bytes are scrambled."""
    start = package.index(b"[Content_Types].xml") + len("[Content_Types].xml")
    return package[:start] + bytes(b ^ 0x5A for b in package[start:start + 40]) + package[start + 40:]


def encrypted(package: bytes) -> bytes:
    """A package whose every part is marked as needing a password."""
    out = bytearray(package)
    for signature, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = out.find(signature)
        while at >= 0:
            out[at + flags] |= 1
            at = out.find(signature, at + 4)
    return bytes(out)


def samples() -> dict[str, bytes]:
    """A valid file of every type a scheme may attach, by file name."""
    files = {"scheme.pdf": PDF, "image.png": png(), "photo.jpg": JPEG, "photo2.jpeg": JPEG, "chart.gif": GIF,
             "chart2.webp": WEBP, "template.csv": b"indicator,target\n1.1,<5 days\n1.2,90%\n",
             "notes.txt": "Plain notes: a < b, £5.\n".encode()}
    files.update({f"doc.{ext}": ooxml(ext) for ext in MAIN_PART})
    files.update({f"doc.{ext}": odf(ext) for ext in ODF})
    return files


def with_attachments(names: list[str]) -> str:
    """The example scheme listing these attachments."""
    return SCHEME + "attachments:\n" + "".join(f"  - {{file: '{name}', title: File {i}}}\n"
                                               for i, name in enumerate(names))


def library(root: Path, files: dict[str, bytes], listed: list[str] | None = None) -> Path:
    """A library whose example scheme attaches these files (all of them unless `listed` says which names)."""
    lib = write_library(root, {EXAMPLE: with_attachments(listed if listed is not None else list(files))})
    folder = lib / EXAMPLE
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    write_content(root)
    return lib


def check(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """Run `check` on root's library: the exit code and the error lines."""
    code = main(["check", "--schemes", str(root / "schemes")])
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if ": attachments[" in line or ": path:" in line]


def entry_line(lib: Path, index: int) -> int:
    """The line of the example scheme's attachments entry `index`."""
    lines = (lib / f"{EXAMPLE}.yaml").read_text(encoding="utf-8").splitlines()
    first = lines.index("attachments:") + 2
    return first + index


def assert_refused(root: Path, capsys: pytest.CaptureFixture[str], index: int, *parts: str) -> str:
    """`check` fails with one error, for attachments entry `index`, naming the scheme file and the entry's line."""
    code, lines = check(root, capsys)
    assert code == 1 and len(lines) == 1, lines
    line = entry_line(root / "schemes", index)
    assert lines[0].startswith(f"{root / 'schemes' / EXAMPLE}.yaml:{line}:")
    assert f": attachments[{index}].file: " in lines[0]
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


# --------------------------------------------------------------------------- what is published


def test_every_allowed_type_is_published_byte_for_byte(tmp_path: Path) -> None:
    files = samples()
    library(tmp_path, files)
    assert build(tmp_path) == 0
    site = tmp_path / "site"
    for name, data in files.items():
        assert (site / "schemes" / EXAMPLE / name).read_bytes() == data, name
    links = [a["href"] for a in page(site, f"/schemes/{EXAMPLE}/").select(".attachments a")]
    assert links == [f"/schemes/{EXAMPLE}/{name}" for name in files]


def test_files_in_the_folder_that_are_not_listed_are_not_published(tmp_path: Path) -> None:
    library(tmp_path, {"listed.pdf": PDF, "page.html": b"<script>alert(1)</script>"}, listed=["listed.pdf"])
    assert build(tmp_path) == 0
    published = sorted(p.name for p in (tmp_path / "site" / "schemes" / EXAMPLE).iterdir())
    assert published == ["index.html", "listed.pdf"]


# --------------------------------------------------------------------------- refused types


@pytest.mark.parametrize("name, reason", [
    ("report.html", "can run script"), ("report.htm", "can run script"), ("page.xhtml", "can run script"),
    ("chart.svg", "can run script"), ("data.xml", "can run script"), ("app.js", "can run script"),
    ("style.css", "can run script"), ("old.doc", "save it as .docx"), ("old.xls", "save it as .xlsx"),
    ("macro.docm", "save it as .docx"), ("bundle.zip", "may not attach a .zip"), ("setup.exe", "may not attach"),
    ("README", "has no extension"),
])
def test_a_type_outside_the_list_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
                                            reason: str) -> None:
    library(tmp_path, {"ok.pdf": PDF, name: b"<script>document.title='pwned'</script>"}, ["ok.pdf", name])
    assert_refused(tmp_path, capsys, 1, f"'{name}'", reason, "pdf, png")


def test_an_extension_in_capitals_is_refused_with_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library(tmp_path, {"Report.PDF": PDF})
    assert_refused(tmp_path, capsys, 0, "'Report.PDF'", "lower case ('.pdf')")


# --------------------------------------------------------------------------- disguises


HTML = b"<!DOCTYPE html><html><body><script>document.title='pwned'</script></body></html>"
DISGUISES = {
    "html-as-png.png": (HTML, "is not a PNG image: its content is HTML"),
    "svg-as-png.png": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "is an SVG image"),
    "xml-as-pdf.pdf": (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><script/></html>',
                       "its content is XML"),
    "spaces-then-html.jpg": (b"\n\n   \t" + HTML, "its content is HTML"),
    "bom-then-svg.gif": (b"\xef\xbb\xbf<svg onload='alert(1)'></svg>", "is an SVG image"),
    "utf16-html.webp": ("\ufeff<html><script>alert(1)</script></html>".encode("utf-16-le"), "its content is HTML"),
    "zip-as-jpeg.jpeg": (ooxml("docx"), "is not a JPEG image: its content is a .docx file"),
    "png-as-gif.gif": (png(), "is a .png file"),
    "empty.pdf": (b"", "its content is empty"),
    "text-as-docx.docx": (b"just some words, not a document", "is not a Word document"),
    "plain-zip.docx": (b"PK\x03\x04" + b"\x00" * 60, "is not a Word document"),
    "docx-as-xlsx.xlsx": (ooxml("docx"), "is not an Excel workbook"),
    "template.docx": (ooxml("docx", OOXML + "wordprocessingml.template.main+xml"), "another kind of Office file"),
    "macros.docx": (ooxml("docx", extra={"word/vbaProject.bin": b"\x00" * 16}), "holds macros"),
    "macro-type.xlsx": (ooxml("xlsx", "application/vnd.ms-excel.sheet.macroEnabled.main+xml"), "holds macros"),
    "damaged.docx": (damaged(ooxml("docx")), "is damaged or not a complete ZIP package"),
    "locked.pptx": (encrypted(ooxml("pptx")), "it is encrypted"),
    "ods-as-odt.odt": (odf("ods"), "is not an OpenDocument text"),
    "odt-mimetype-lie.odp": (odf("odp", "application/vnd.oasis.opendocument.text"), "is not an OpenDocument"),
    "odf-macros.ods": (odf("ods", extra={"Basic/Standard/Module1.xml": b"<script:module/>"}), "holds macros"),
    "html.txt": (HTML, "holds markup ('<!DOCTYPE' on line 1)"),
    "svg.txt": (b"\r\n<svg/onload=alert(1)>", "holds markup ('<svg' on line 2)"),
    "xml.csv": (b'<?xml version="1.0"?><a/>', "holds markup ('<?xml'"),
    "script-late.csv": (b"a,b\n" * 200 + b"x,<script>alert(1)</script>\n", "holds markup ('<script' on line 201)"),
    "utf16.txt": ("\ufeffnotes\n<iframe src=x>".encode("utf-16-le"), "holds markup ('<iframe' on line 2)"),
    "utf16-no-bom.csv": ("a,b\n1,2\n".encode("utf-16-le"), "holds binary data (character 0x00 on line 1)"),
    "binary.txt": (png(), "holds binary data"),
}


@pytest.mark.parametrize("name", sorted(DISGUISES))
def test_content_that_is_not_what_its_name_says_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           name: str) -> None:
    data, reason = DISGUISES[name]
    library(tmp_path, {"ok.csv": b"a,b\n", name: data})
    line = assert_refused(tmp_path, capsys, 1, f"'{name}'", reason)
    assert "document.title" not in line and "alert(" not in line  # a tag's name is quoted, never what follows


def test_a_refused_attachment_stops_the_build_and_the_old_site_stays(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    lib = library(tmp_path, {"chart.png": png()})
    assert build(tmp_path) == 0
    before = snapshot(tmp_path / "site")
    (lib / EXAMPLE / "chart.png").write_bytes(HTML)
    assert build(tmp_path) == 1
    assert "chart.png' is not a PNG image: its content is HTML" in capsys.readouterr().err
    assert snapshot(tmp_path / "site") == before


def test_text_may_hold_markup_only_after_where_browsers_look(tmp_path: Path) -> None:
    """Markup past the first 8 KB cannot make a browser take the file for a page; the file is published."""
    late = b"a,b\n" * 2100 + b"x,<b>bold</b>\n"
    library(tmp_path, {"late.csv": late})
    assert build(tmp_path) == 0
    assert (tmp_path / "site" / "schemes" / EXAMPLE / "late.csv").read_bytes() == late


# --------------------------------------------------------------------------- names


def test_a_300_character_name_is_an_error_not_a_crash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = "a" * 296 + ".pdf"
    write_library(tmp_path, {EXAMPLE: with_attachments([name])})
    line = assert_refused(tmp_path, capsys, 0, "is too long (300 characters)", "100 characters", "200")
    assert name not in line  # quoted cut short


def test_a_long_folder_name_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = "d" * 101 + "/x.pdf"
    write_library(tmp_path, {EXAMPLE: with_attachments([name])})
    assert_refused(tmp_path, capsys, 0, "is too long")


def test_names_at_the_limits_are_published(tmp_path: Path) -> None:
    name = "d" * 100 + "/" + "f" * 95 + ".pdf"
    assert len(name) == 200
    library(tmp_path, {name: PDF})
    assert build(tmp_path) == 0
    assert (tmp_path / "site" / "schemes" / EXAMPLE / name).read_bytes() == PDF


# --------------------------------------------------------------------------- size


def sparse(path: Path, head: bytes, size: int) -> None:
    """A file of `size` bytes that starts with `head` and takes no disk space past it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as file:
        file.write(head)
        file.truncate(size)


def test_an_attachment_over_25_mb_is_refused_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = library(tmp_path, {"ok.pdf": PDF, "big.pdf": b""})
    sparse(lib / EXAMPLE / "big.pdf", PDF, 25_000_001)
    sparse(lib / EXAMPLE / "ok.pdf", PDF, 25_000_000)
    assert build(tmp_path) == 1
    err = capsys.readouterr().err
    line = entry_line(lib, 1)
    assert (f"{lib / EXAMPLE}.yaml:{line}:" in err and "attachments[1].file: attachment 'big.pdf' is 25,000,001 "
            "bytes, more than the 25 MB (25,000,000 bytes) a scheme may attach (attachment_max_mb in "
            "content/site.yaml)" in err), err
    assert "ok.pdf" not in err
    assert not (tmp_path / "site").exists()


def test_the_size_is_checked_without_reading_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A 64 GiB attachment is refused in moments: neither validation nor the size check reads it."""
    lib = library(tmp_path, {"huge.txt": b""})
    sparse(lib / EXAMPLE / "huge.txt", b"notes\n" * 1500, 64 * 1024 ** 3)  # text where validation looks
    started = time.monotonic()
    assert build(tmp_path) == 1
    assert time.monotonic() - started < 20
    assert "'huge.txt' is 68,719,476,736 bytes" in capsys.readouterr().err


def site_yaml(root: Path, extra: str) -> Path:
    """content/site.yaml with a line added."""
    path = root / "content" / "site.yaml"
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


def test_the_limit_is_a_site_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = library(tmp_path, {"data.csv": b"a,b\n" * 5000})  # 20,000 bytes
    site_yaml(tmp_path, "attachment_max_mb: 0.01\n")
    assert build(tmp_path) == 1
    assert "'data.csv' is 20,000 bytes, more than the 0.01 MB (10,000 bytes)" in capsys.readouterr().err
    path = tmp_path / "content" / "site.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("0.01", "0.02"), encoding="utf-8")
    assert build(tmp_path) == 0
    assert (tmp_path / "site" / "schemes" / EXAMPLE / "data.csv").stat().st_size == 20_000
    sparse(lib / EXAMPLE / "data.csv", b"a,b\n" * 2100, 30_000_000)
    path.write_text(path.read_text(encoding="utf-8").replace("0.02", "40"), encoding="utf-8")
    assert build(tmp_path) == 0  # over the default, within the site's own limit
    assert (tmp_path / "site" / "schemes" / EXAMPLE / "data.csv").stat().st_size == 30_000_000


@pytest.mark.parametrize("value, message", [
    ("0", "0 is not a usable limit"), ("-5", "-5 is not a usable limit"), ("5000", "at most 1000"),
    ("lots", "expected a number"), (".inf", "finite"),
])
def test_the_limit_setting_is_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str,
                                      message: str) -> None:
    library(tmp_path, {"a.pdf": PDF})
    path = site_yaml(tmp_path, f"attachment_max_mb: {value}\n")
    line = path.read_text(encoding="utf-8").count("\n")
    assert build(tmp_path) == 1
    err = capsys.readouterr().err
    assert re.search(rf"site\.yaml:{line}:\d+: attachment_max_mb: .*{re.escape(message)}", err), err


# --------------------------------------------------------------------------- _headers


def rule_patterns(headers: str) -> dict[str, dict[str, str]]:
    """The rules of a _headers file: URL pattern to headers."""
    rules: dict[str, dict[str, str]] = {}
    current = None
    for line in headers.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            current = rules.setdefault(line.strip(), {})
        else:
            assert current is not None, line
            name, _, value = line.strip().partition(":")
            current[name.strip()] = value.strip()
    return rules


def headers_for(rules: dict[str, dict[str, str]], url: str) -> dict[str, str]:
    """The headers Netlify and Cloudflare Pages give a URL: every matching rule's, '*' matching anything."""
    found: dict[str, str] = {}
    for pattern, headers in rules.items():
        if re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), url):
            found.update(headers)
    return found


INERT = {"Content-Disposition": "attachment", "X-Content-Type-Options": "nosniff",
         "Content-Security-Policy": "sandbox; default-src 'none'"}


@pytest.mark.parametrize("base_url", ["/", "/cquin/"])
def test_headers_make_every_attachment_download_and_nothing_else(tmp_path: Path, base_url: str) -> None:
    files = samples()
    lib = library(tmp_path, files)
    other = lib / "2019-20" / "midlands" / "other.yaml"
    other.parent.mkdir(parents=True)
    other.write_text(with_attachments(["deep/plan.pdf"]).replace("    national: vte\n", ""), encoding="utf-8")
    (lib / "2019-20" / "midlands" / "other" / "deep").mkdir(parents=True)
    (lib / "2019-20" / "midlands" / "other" / "deep" / "plan.pdf").write_bytes(PDF)
    assert build(tmp_path, "--base-url", base_url) == 0
    site = tmp_path / "site"
    rules = rule_patterns((site / "_headers").read_text(encoding="utf-8"))
    assert len(rules) <= 100  # Cloudflare Pages reads at most 100
    attachments = {f"/schemes/{EXAMPLE}/{name}" for name in files} | {"/schemes/2019-20/midlands/other/deep/plan.pdf"}
    published = {"/" + p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert attachments <= published
    for url in sorted(published):
        served = base_url + url[1:]
        assert headers_for(rules, served) == (INERT if url in attachments else {}), url


def test_the_sites_own_headers_file_is_kept(tmp_path: Path) -> None:
    library(tmp_path, {"a.pdf": PDF})
    own = "/*\n  X-Frame-Options: DENY\n"
    (tmp_path / "content" / "files").mkdir()
    (tmp_path / "content" / "files" / "_headers").write_text(own, encoding="utf-8")
    (tmp_path / "content" / "files" / "_redirects").write_text("/old /new 301\n", encoding="utf-8")
    assert build(tmp_path) == 0
    written = (tmp_path / "site" / "_headers").read_text(encoding="utf-8")
    assert written.startswith(own)
    assert headers_for(rule_patterns(written), f"/schemes/{EXAMPLE}/a.pdf") == {**INERT, "X-Frame-Options": "DENY"}
    assert (tmp_path / "site" / "_redirects").read_text(encoding="utf-8") == "/old /new 301\n"


def test_a_library_without_attachments_still_writes_headers(tmp_path: Path) -> None:
    write_library(tmp_path)
    write_content(tmp_path)
    assert build(tmp_path) == 0
    assert rule_patterns((tmp_path / "site" / "_headers").read_text(encoding="utf-8")) == {}


def test_the_format_page_documents_the_types_and_the_headers() -> None:
    text = (Path(__file__).resolve().parent.parent / "content" / "guidance" / "format.md").read_text(encoding="utf-8")
    from cquinlib.format.rules import ATTACHMENT_TYPES
    for kind in ATTACHMENT_TYPES:
        assert f"`.{kind.extension}`" in text, kind.extension
    for name, value in INERT.items():
        assert f"{name}: {value}" in text or f'{name} "{value}"' in text, name
    for host in ("nginx", "Apache", "GitHub Pages", "_headers", "attachment_max_mb"):
        assert host in text, host


def test_an_attachment_named_by_a_number_is_an_error_not_a_crash(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """`file: 2010` reads as a number: an error at its line asking for a file name, never a traceback."""
    write_content(tmp_path)
    write_library(tmp_path, {EXAMPLE: SCHEME + "attachments:\n  - {file: 2010}\n"})
    (tmp_path / "schemes" / EXAMPLE).mkdir()
    assert build(tmp_path) == 1
    err = capsys.readouterr().err
    assert re.search(r"example\.yaml:\d+:\d+: attachments\[0\]\.file: expected a file name with its extension", err)
    assert "Traceback" not in err and not (tmp_path / "site").exists()
