"""Helpers for tests that build a site and read it back as a user's browser would."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urldefrag, urlparse

from bs4 import BeautifulSoup

from cquinlib.build.options import BuildOptions, default_templates_dir
from cquinlib.build.pipeline import build_site
from cquinlib.commands.cli import main
from cquinlib.core.diagnostics import BuildFailed


def build(root: Path, *extra: str) -> int:
    """Build root/schemes with root/content into root/site through the command line."""
    return main(["build", "--schemes", str(root / "schemes"), "--content", str(root / "content"),
                 "--out", str(root / "site"), "--cache", str(root / ".cache"), *extra])


def failed_build_with_template(root: Path, name: str, old: str, new: str) -> BuildFailed:
    """Build root's library with a copy of the templates (root/templates, made once) whose template `name` has
    `old` replaced by `new`; the failure the build raises (an error if it does not fail)."""
    templates = root / "templates"
    if not templates.is_dir():
        shutil.copytree(default_templates_dir(), templates)
    original = (default_templates_dir() / name).read_text(encoding="utf-8")
    assert old in original, (name, old)
    for other in templates.glob("*.html"):  # the other templates as they come
        other.write_text((default_templates_dir() / other.name).read_text(encoding="utf-8"), encoding="utf-8")
    (templates / name).write_text(original.replace(old, new), encoding="utf-8")
    try:
        build_site(BuildOptions(root / "schemes", root / "content", root / "site", templates,
                                cache_dir=root / ".cache"))
    except BuildFailed as failure:
        return failure
    raise AssertionError(f"the build did not fail with {new!r} in {name}")


def page(site: Path, url: str) -> BeautifulSoup:
    """Parse the built page at a site URL ('/years/2010-11/')."""
    rel = url.lstrip("/")
    path = site / (rel + "index.html" if url.endswith("/") else rel)
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under a folder with its bytes and modification time."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def broken_links(site: Path, base_path: str = "/") -> list[tuple[str, str]]:
    """(page, link) for every internal href or src that points at no file, or at a missing #fragment."""
    soups = {p: BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser") for p in sorted(site.rglob("*.html"))}
    ids = {p: {tag["id"] for tag in soup.find_all(id=True)} for p, soup in soups.items()}
    broken = []
    for html, soup in soups.items():
        for tag in soup.find_all(["a", "link", "script", "img"]):
            link = tag.get("href") or tag.get("src")
            if not link or urlparse(link).scheme or link.startswith("//"):
                continue
            target, fragment = urldefrag(link)
            path = html if not target else _file_for(site, base_path, target)
            if path is None or not path.is_file() or (fragment and fragment not in ids.get(path, set())):
                broken.append((html.relative_to(site).as_posix(), link))
    return broken


def _file_for(site: Path, base_path: str, target: str) -> Path | None:
    """The built file a site-absolute link points at, or None when it leaves the site."""
    if not target.startswith(base_path):
        return None
    rel = target[len(base_path):]
    return site / rel / "index.html" if (not rel or rel.endswith("/")) else site / rel


def outside(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under root but in the output, its hidden sibling, the caches and the reference builds: what a
    build must never change."""
    skipped = {"site", ".site.cquin-next", ".cache", "clean", ".clean-cache", ".clean.cquin-next"}
    found: dict[str, tuple[bytes, int]] = {}
    for top in sorted(root.iterdir()):
        if top.name in skipped:
            continue
        if top.is_file():
            found[top.name] = (top.read_bytes(), top.stat().st_mtime_ns)
        else:
            found.update((f"{top.name}/{rel}", v) for rel, v in snapshot(top).items())
    return found
