"""A hostile library's attachments run no script in Chromium: every allowed type that can hold text carries script
(text and CSV past where browsers sniff, a PDF with JavaScript, images and office files with HTML inside), the
site is served by a small local server, and every published attachment is opened directly and framed by a page of
the site. The hostile script would fetch a beacon on the server, open a dialog, post a message to the page that
framed it or retitle its page: none of that may happen.

Two hosts are played: one that reads the generated `_headers` file, as Netlify and Cloudflare Pages do (every
attachment must then download), and one that serves files with a type from their extension only, as GitHub Pages
does (the closed list of types must be inert even then).
"""

from __future__ import annotations

import http.server
import threading
from functools import partial
from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import SCHEME, free_port, write_content, write_library
from helpers import build
from test_attachments import GIF, JPEG, MAIN_PART, ODF, PDF, WEBP, headers_for, odf, ooxml, png, rule_patterns

EXAMPLE = "2010-11/london/example"


def payload(tag: str) -> bytes:
    """Script that, if it ever ran, would leave a trace the test can see."""
    return (f"<html><head><title>quiet</title></head><body><script>document.title='pwned-{tag}';"
            f"fetch('/beacon/{tag}');window.parent.postMessage('pwned-{tag}','*');alert('{tag}')</script>"
            f"<img src=x onerror=\"fetch('/beacon/{tag}-img')\"><svg onload=\"fetch('/beacon/{tag}-svg')\"></svg>"
            "</body></html>").encode()


def hostile_pdf() -> bytes:
    """A PDF whose opening action is JavaScript calling out, with HTML after its end for good measure."""
    js = "app.alert('pdf'); this.submitForm({cURL: '/beacon/pdf'}); app.launchURL('/beacon/pdf-launch', true);"
    return (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R /OpenAction 3 0 R>> endobj\n"
            b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
            b"3 0 obj <</Type /Action /S /JavaScript /JS (" + js.encode() + b")>> endobj\n"
            b"trailer <</Root 1 0 R>>\n%%EOF\n" + payload("pdf-tail"))


def hostile_files() -> dict[str, bytes]:
    """Every allowed type, each carrying script, every one of which passes the library's checks."""
    filler = b"indicator,value\n" * 600  # past the 8 KB a text attachment is checked for markup
    files = {"notes.txt": filler + payload("txt"), "data.csv": filler + payload("csv"), "scheme.pdf": hostile_pdf(),
             "chart.png": png(payload("png")), "photo.jpg": JPEG + payload("jpg"), "photo.jpeg": JPEG + payload("jpeg"),
             "anim.gif": GIF + payload("gif"), "chart.webp": WEBP + payload("webp")}
    for ext in MAIN_PART:
        files[f"doc.{ext}"] = ooxml(ext, extra={"evil.html": payload(ext), "docProps/evil.svg": payload(ext + "-svg")})
    for ext in ODF:
        files[f"doc.{ext}"] = odf(ext, extra={"evil.html": payload(ext)})
    return files


class Host(http.server.SimpleHTTPRequestHandler):
    """A static host: files from the site folder, a beacon that records hits, and `_headers` when it reads one."""

    beacons: list[str]
    rules: dict[str, dict[str, str]]

    def do_GET(self) -> None:
        """Record a beacon hit, or serve a file."""
        if self.path.startswith("/beacon"):
            self.beacons.append(self.path)
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()

    def do_POST(self) -> None:
        """A form a PDF submits is a beacon hit too."""
        self.do_GET()

    def end_headers(self) -> None:
        """Add the headers the `_headers` file gives this path (none for a host that reads no such file)."""
        for name, value in headers_for(self.rules, self.path.split("?")[0]).items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The built site of a hostile library, and its attachment URLs."""
    root = tmp_path_factory.mktemp("hostile")
    files = hostile_files()
    lib = write_library(root, {EXAMPLE: SCHEME + "attachments:\n" + "".join(f"  - {{file: '{n}'}}\n" for n in files)})
    (lib / EXAMPLE).mkdir()
    for name, data in files.items():
        (lib / EXAMPLE / name).write_bytes(data)
    write_content(root)
    assert build(root) == 0
    return root / "site", [f"/schemes/{EXAMPLE}/{name}" for name in files]


@pytest.fixture(params=["reads _headers", "extension only"])
def host(request: pytest.FixtureRequest, hostile_site: tuple[Path, list[str]]) -> Iterator[tuple[str, list[str]]]:
    """The hostile site served on loopback, as one kind of host; its address and the beacon hits it records."""
    site, _ = hostile_site
    beacons: list[str] = []
    rules = rule_patterns((site / "_headers").read_text(encoding="utf-8")) if request.param == "reads _headers" else {}
    handler = type("ThisHost", (Host,), {"beacons": beacons, "rules": rules})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), partial(handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", beacons
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow  # a browser opens every attachment twice over: several seconds
def test_no_attachment_runs_script(browser: Any, host: tuple[str, list[str]], hostile_site: tuple[Path, list[str]],
                                   request: pytest.FixtureRequest) -> None:
    from playwright.sync_api import Error

    base, beacons = host
    _, attachments = hostile_site
    headers_read = "reads _headers" in request.node.callspec.id
    context = browser.new_context(accept_downloads=True)
    dialogs: list[str] = []
    # Every page of the context, popups a PDF might open included, records and dismisses any dialog.
    context.on("page", lambda p: p.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss())))
    try:
        # Opened directly, as a link shared by an attacker would open it: each in a page of its own, since a
        # browser lets one page start only so many downloads by itself.
        for url in attachments:
            page = context.new_page()
            downloads: list[str] = []
            page.on("download", lambda d: downloads.append(d.url))
            try:
                page.goto(base + url, wait_until="load")
                page.wait_for_timeout(100)  # time for anything the file might run
                title = page.title()
            except Error as exc:  # the browser saves the file instead of showing it
                assert "Download is starting" in str(exc) or "net::ERR_ABORTED" in str(exc), exc
                title = ""
            assert not title.startswith("pwned"), (url, title)
            if headers_read:
                page.wait_for_timeout(50)
                assert downloads == [base + url], (url, "is shown rather than downloaded")
            page.close()
        # Framed by one of the site's own pages, which listens for anything a frame might post to it.
        page = context.new_page()
        page.goto(base + "/", wait_until="load")
        page.evaluate("""urls => new Promise(done => {
            window.received = [];
            window.addEventListener('message', e => window.received.push(String(e.data)));
            let left = urls.length;
            for (const url of urls) {
                const frame = document.createElement('iframe');
                frame.onload = frame.onerror = () => { if (--left === 0) done(); };
                frame.src = url;
                document.body.appendChild(frame);
            }
            setTimeout(done, 1500);  // a frame whose file downloads may never load
        })""", attachments)
        page.wait_for_timeout(200)
        assert page.evaluate("window.received") == []
        assert not page.title().startswith("pwned")
        for frame in page.frames[1:]:
            if frame.url.startswith(base) and not frame.is_detached():
                assert not frame.evaluate("document.title").startswith("pwned"), frame.url
    finally:
        context.close()
    assert beacons == [] and dialogs == [], (beacons, dialogs)
