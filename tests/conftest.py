"""Shared fixtures: small scheme libraries written into tmp_path, as a contributor would write them."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any, Callable, Iterator

import jinja2
import pytest

REPO = Path(__file__).resolve().parent.parent

REGIONS = """\
london:
  name: London
east-of-england:
  name: East of England
south-central:
  name: South Central
  until: 2012-13
midlands:
  name: Midlands
  from: 2019-20
"""

TOPICS = """\
vte:
  name: Venous thromboembolism (VTE)
  description: Risk assessment and prevention of *blood clots*.
falls:
  name: Falls prevention
flu:
  name: Flu vaccination
"""

YEAR_2010 = """\
label: "2010/11"
cquin_percent: 1.5
summary: |
  Two national goals for acute providers.
national_goals:
  - id: vte
    name: VTE risk assessment
    settings: [acute]
    topics: [vte]
  - id: patient-experience
    name: Patient experience
"""

YEAR_2019 = """\
cquin_percent: 1.25
national_goals:
  - id: flu
    name: Staff flu vaccination
    target: "80%"
    topics: [flu]
"""

SCHEME = """\
title: Example acute scheme 2010/11
provider:
  name: Example Hospitals NHS Foundation Trust
  type: acute
  code: RX1
commissioners:
  - NHS Example
  - {name: NHS Other, code: 5P2}
submitted: 2010-06-14
contract_value: 100000000
summary: |
  A *worked* example.
goals:
  - number: "1"
    name: Reduce avoidable harm from VTE
    domain: safety
    national: vte
    weight: 60
    topics: [vte]
    indicators:
      - number: "1.1"
        name: Adult inpatients risk-assessed for VTE
        weight: 60
        baseline: {period: "Q4 2009/10", value: "76%"}
        target: {period: "Q4 2010/11", value: "90%"}
        milestones:
          - {period: Q2, value: "80%", payment: 25}
  - number: "2"
    name: Fewer falls
    domain: patient-experience
    weight: 40
    topics: [falls]
contact:
  name: Private Person
  email: private.person@example.nhs.uk
"""

LibraryMaker = Callable[..., Path]


def write_library(root: Path, schemes: dict[str, str] | None = None, years: dict[str, str] | None = None,
                  regions: str = REGIONS, topics: str = TOPICS) -> Path:
    """Write a library under root/schemes: shared files, year files, and schemes keyed by YEAR/REGION/SLUG."""
    lib = root / "schemes"
    lib.mkdir(parents=True, exist_ok=True)
    (lib / "_regions.yaml").write_text(regions, encoding="utf-8")
    (lib / "_topics.yaml").write_text(topics, encoding="utf-8")
    for year, text in (years if years is not None else {"2010-11": YEAR_2010, "2019-20": YEAR_2019}).items():
        (lib / year).mkdir(parents=True, exist_ok=True)
        (lib / year / "_year.yaml").write_text(text, encoding="utf-8")
    for scheme_id, text in (schemes if schemes is not None else {"2010-11/london/example": SCHEME}).items():
        path = lib / f"{scheme_id}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return lib


def write_content(root: Path, pages: dict[str, str] | None = None) -> Path:
    """Write a minimal content folder: site.yaml and an about page (plus any given pages)."""
    content = root / "content"
    content.mkdir(parents=True, exist_ok=True)
    (content / "site.yaml").write_text("title: Test library\ndescription: A test.\ncontact_email: box@example.org\n"
                                       "url: https://library.example.org/\n", encoding="utf-8")
    for rel, text in (pages if pages is not None else {"about.md": "---\ntitle: About\nnav: 1\n---\n# Hello\n"}).items():
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return content


@pytest.fixture
def make_library(tmp_path: Path) -> LibraryMaker:
    """A function that writes a library into tmp_path and returns its schemes folder."""
    def make(schemes: dict[str, str] | None = None, **kwargs: object) -> Path:
        """Write the library (see write_library)."""
        return write_library(tmp_path, schemes, **kwargs)  # type: ignore[arg-type]
    return make


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """Headless Debian Chromium driven by Playwright; browser tests skip, saying why, when it is absent."""
    if not CHROMIUM.is_file():
        pytest.skip(f"Chromium not found at {CHROMIUM}: install it (apt-get install chromium) to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def free_port() -> int:
    """A TCP port on loopback that nothing is listening on."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SessionCompiledTemplates(jinja2.BytecodeCache):
    """A build's own compiled-template cache first and, on a miss, the test session's: each test's cold build
    would otherwise compile every template again (about 0.7 s of a small build). Jinja keys an entry by the
    template's name and file and checks its source, so an edited or copied template is compiled afresh."""

    def __init__(self, own: jinja2.BytecodeCache, shared: jinja2.BytecodeCache) -> None:
        """Read own, then shared; write both."""
        self.own, self.shared = own, shared

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """The build's own entry, else the session's."""
        self.own.load_bytecode(bucket)
        if bucket.code is None:
            self.shared.load_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Kept in the build's cache, as without this, and for the session."""
        self.own.dump_bytecode(bucket)
        self.shared.dump_bytecode(bucket)


@pytest.fixture(scope="session", autouse=True)
def session_compiled_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """In-process builds that keep compiled templates share them across the session (see SessionCompiledTemplates);
    a build's own cache folder is still written and read first, so its faults are still its own."""
    from cquinlib.build import stages

    shared = jinja2.FileSystemBytecodeCache(str(tmp_path_factory.mktemp("compiled-templates")))
    make_environment = stages.make_environment

    def with_session_cache(*args: Any, **kwargs: Any) -> jinja2.Environment:
        """The build's environment, its template cache backed by the session's."""
        env = make_environment(*args, **kwargs)
        if env.bytecode_cache is not None:
            env.bytecode_cache = SessionCompiledTemplates(env.bytecode_cache, shared)
        return env

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stages, "make_environment", with_session_cache)
        yield
