"""The dev server: build, serve with livereload, rebuild what a save changed, and show errors in the browser."""

from __future__ import annotations

import argparse
import html
import logging
import mimetypes
import sys
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from livereload import Server
from livereload.handlers import LiveReloadHandler
from livereload.watcher import Watcher
from tornado import ioloop

from ..build.options import BuildOptions
from ..build.pipeline import build_site, source_fingerprint
from ..core.controls import escape_unprintable
from ..core.diagnostics import BuildFailed, Diagnostic
from ..core.digest import code_digest
from ..library.validate import CachedScheme

POLL_MS = 50
# Looking for changes may take at most a quarter of one core between looks.
IDLE_SHARE = 4
# Editors save in bursts (write, rename, touch); wait until the sources hold still this long, then build once.
DEBOUNCE_SECONDS = 0.1

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass
class DevState:
    """What the server knows: the options, and the problems of the last build (none when it succeeded)."""

    options: BuildOptions
    problems: tuple[Diagnostic, ...] = ()
    builds: int = 0
    remembered: dict[str, CachedScheme] = field(default_factory=dict)
    log: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr, flush=True))

    def rebuild(self) -> bool:
        """Build; keep the problems for the error page when it fails. True when the site changed."""
        started = time.perf_counter()
        try:
            result = build_site(self.options, self.remembered)
        except BuildFailed as failure:
            return self._failed(failure.diagnostics)
        except Exception as exc:  # noqa: BLE001 - the server keeps serving, and the browser shows what went wrong
            for line in "".join(traceback.format_exception(exc)).splitlines():
                self.log(escape_unprintable(line))
            return self._failed((Diagnostic(self.options.schemes_dir, 1, 1, "",
                                            f"the build stopped: {type(exc).__name__}: {exc}"),))
        had_problems, self.problems = bool(self.problems), ()
        self.builds += 1
        for notice in result.notices:
            self.log(f"note: {notice}")
        changed = result.report.written + result.report.removed
        self.log(f"built in {time.perf_counter() - started:.2f}s: {changed} file(s) changed")
        return changed > 0 or had_problems

    def _failed(self, problems: tuple[Diagnostic, ...]) -> bool:
        """Keep a failed build's problems for the error page, and log them; the open pages reload to show them."""
        self.problems = problems
        self.builds += 1
        self.log(f"build failed: {len(problems)} problem(s); the browser shows them")
        for diagnostic in problems:
            self.log("  " + diagnostic.format())
        return True


class SourceWatcher(Watcher):  # type: ignore[misc]
    """livereload's watcher, told of changes by the build's own source fingerprint and polled sooner."""

    def __init__(self, state: DevState) -> None:
        """Remember the sources as they are now, which the first build covers."""
        super().__init__()
        self.state = state
        self.code = code_digest()
        self.seen = self.built = self._fingerprint()
        self.changed_at = 0.0
        self.next_look = 0.0

    def _fingerprint(self) -> str:
        """Names, sizes and times of every source file."""
        return source_fingerprint(self.state.options, self.code)

    def start(self, callback: Callable[[], None]) -> bool:
        """Poll on the server's own loop, faster than livereload's default."""
        ioloop.PeriodicCallback(callback, POLL_MS).start()
        return True

    def examine(self) -> tuple[Optional[str], Optional[float]]:
        """Rebuild once the sources have settled after a change; tell livereload to reload when the site changed."""
        now = time.monotonic()
        if now < self.next_look:
            return None, None
        current = self._fingerprint()
        # A large library takes a while to stat: look less often, so that an idle server stays idle.
        self.next_look = now + IDLE_SHARE * (time.monotonic() - now)
        now = time.monotonic()
        if current != self.seen:
            # Look again as soon as the debounce allows, however long the last look took.
            self.seen, self.changed_at, self.next_look = current, now, min(self.next_look, now + DEBOUNCE_SECONDS)
            return None, None
        if current == self.built or now - self.changed_at < DEBOUNCE_SECONDS:
            return None, None
        self.built = current
        return ("*", None) if self.state.rebuild() else (None, None)


def make_app(state: DevState) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """A WSGI app serving the built site, or the error page while the last build failed."""
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Serve one request."""
        path = environ.get("PATH_INFO", "/")
        target = _resolve(state.options.out_dir, path)
        is_page = target is None or target.suffix in ("", ".html") or path.endswith("/")
        if state.problems and is_page:
            return _respond(start_response, "500 Build failed", "text/html; charset=utf-8", error_page(state.problems))
        if target is not None and target.is_dir():
            if not path.endswith("/"):
                start_response("301 Moved Permanently", [("Location", path + "/")])
                return [b""]
            target = target / "index.html"
        if target is None or not target.is_file():
            missing = state.options.out_dir / "404.html"
            body = missing.read_bytes() if missing.is_file() else b"<html><head></head><body>Not found</body></html>"
            return _respond(start_response, "404 Not Found", "text/html; charset=utf-8", body)
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "application/json"):
            kind += "; charset=utf-8"
        return _respond(start_response, "200 OK", kind, target.read_bytes())
    return app


def _resolve(out_dir: Path, url_path: str) -> Optional[Path]:
    """The file a URL path names inside the output folder, or None when it would leave it."""
    root = out_dir.resolve()
    candidate = (root / url_path.lstrip("/")).resolve()
    return candidate if candidate == root or candidate.is_relative_to(root) else None


def _respond(start_response: StartResponse, status: str, kind: str, body: bytes) -> list[bytes]:
    """Send a complete response, never cached: the next save may change it."""
    start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body))),
                            ("Cache-Control", "no-store")])
    return [body]


def error_page(problems: Iterable[Diagnostic]) -> bytes:
    """A page listing every problem with file, line and message; livereload reloads it after the fix."""
    items = "\n".join(f"<li><code>{html.escape(d.format())}</code></li>" for d in problems)
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Build failed</title>"
            f"<style>body{{font:1.1rem/1.5 Arial,sans-serif;margin:2rem;color:#212b32}}"
            f"h1{{color:#d5281b}}li{{margin:.5rem 0}}</style></head><body><main>"
            f"<h1>Build failed</h1><p>Fix these and save: this page reloads by itself.</p>"
            f"<ul class=\"problems\">\n{items}\n</ul></main></body></html>").encode("utf-8")


def serve(options: BuildOptions, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False) -> None:
    """Build, then serve and rebuild on every settled change until interrupted."""
    state = DevState(options)
    state.rebuild()
    watcher = SourceWatcher(state)
    # livereload ignores reloads within 3 s of the last one; an editor saving as they type needs every one.
    LiveReloadHandler.DEFAULT_RELOAD_TIME = 0
    server = Server(app=make_app(state), watcher=watcher)
    for folder in (options.schemes_dir, options.content_dir, options.templates_dir):
        server.watch(str(folder))
    logging.getLogger("tornado.access").setLevel(logging.WARNING)
    state.log(f"serving {options.out_dir} at http://{host}:{port}/ (Ctrl+C to stop)")
    server.serve(port=port, host=host, debug=False, open_url_delay=0.5 if open_browser else None)


def serve_options(options: BuildOptions) -> BuildOptions:
    """The dev server builds at the root of its own host, into a folder of its own unless told otherwise, and makes
    a new output's hidden copy at once: it builds again on every edit, which should not wait for the copy."""
    return replace(options, base_url=options.base_url or "/", copy_new_output=True)




def run_serve(args: argparse.Namespace) -> int:
    """The `serve` verb: serve the library with live reload until interrupted."""
    out = args.out or args.cache / "serve-site"
    options = serve_options(BuildOptions(schemes_dir=args.schemes, content_dir=args.content, out_dir=out,
                                         base_url=args.base_url, strict=args.strict, cache_dir=args.cache))
    serve(options, host=args.host, port=args.port, open_browser=args.open)
    return 0
