"""The site and the command line give one answer: a corpus of queries of every kind, run by search.js in Chromium
and by `build.py search`, must return the same schemes in the same order (the site's first page of ten), and
correct the same words. Also: the JavaScript stemmer gives whoosh's stems."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from whoosh.lang.snowball.english import EnglishStemmer

from conftest import REPO
from cquinlib.commands.cli import main
from cquinlib.search.state import doc_slots
from test_search_browser import serve

pytest.importorskip("playwright.sync_api")

# Words, inflections, OR, NOT and -, phrases, fields, prefixes, typos, synonyms and abbreviations, regions.
CORPUS = [
    "flu", "flu vaccination", "vaccinations", "vaccinated staff", "learning disabilities", "learning disability",
    "risk assessments", "injuries", "dementia", "dementia OR delirium", "dementia OR delirium OR falls",
    "smoking NOT alcohol", "smoking -alcohol", "alcohol", "NOT flu", "-flu year:2019-20", '"acute kidney injury"',
    '"kidney acute"', '"east of england"', "east of england", "London sepsis", "london", "sepsis", "septic",
    "year:2019-20", "year:2019/20 flu", "region:london", 'region:"east of england"', "type:community",
    "type:acute falls", "topic:falls", "domain:safety", "national:local", "national:national flu",
    "framework:other", "framework:cquin sepsis", "illustrative:true", "illustrative:false", "vacc", "dem",
    "flu vacc", "pressure", "pressure ulcers", "pressure sores", "sepsiss", "dementai", "vaccinaton", "A&E",
    "a&e attendances", "111", "CQUIN01", "MH", "mental health", "flu jab", "influenza", "smoking", "tobacco",
    "VTE", "blood clots", "transfers of care", "discharge", "FFT", "friends and family", "the", "the of",
    "zzqx", "flu OR", "OR flu", "NOT", "-", '"', 'flu "', "year:1999-00", "region:nowhere flu",
]


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled library, built into a temporary folder."""
    root = tmp_path_factory.mktemp("engines")
    assert main(["build", "--schemes", str(REPO / "schemes"), "--content", str(REPO / "content"),
                 "--out", str(root / "site"), "--cache", str(root / ".cache")]) == 0
    return root


@pytest.fixture(scope="module")
def site_page(browser: Any, bundled: Path) -> Iterator[Any]:
    """The bundled site's search page, open in Chromium."""
    for url in serve(bundled / "site"):
        context = browser.new_context()
        page = context.new_page()
        page.goto(url + "search/")
        page.wait_for_function("window.cquinSearch !== undefined")
        yield page
        context.close()


def site_answer(page: Any, query: str) -> tuple[list[int], str]:
    """The slots search.js ranks first (ten of them) and its corrected query."""
    answer = page.evaluate("q => window.cquinSearch(q, true).then(r => [r.hits.slice(0, 10).map(h => h[0]), "
                           "r.corrected])", query)
    return answer[0], answer[1]


def cli_answer(root: Path, query: str, schemes: Path = REPO / "schemes") -> tuple[list[int], str]:
    """The slots of the schemes `build.py search --json` ranks first (ten), and what it says it corrected."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(["search", "--schemes", str(schemes), "--cache", str(root / ".cache"), "--json", "--", query]) == 0
    ids = [row["id"] for row in json.loads(out.getvalue())]
    listed = sorted(all_ids(root))
    slot = dict(zip(listed, doc_slots(listed)))
    fixed = re.search(r"showing results for '(.*)' \(search", err.getvalue())
    return [slot[i] for i in ids], fixed.group(1) if fixed else ""


def all_ids(root: Path) -> list[str]:
    """Every listed scheme's id, from the site's result cards."""
    import gzip
    ids = []
    for pack in sorted((root / "site" / "search" / "d").iterdir()):
        ids += [card["i"] for card in json.loads(gzip.decompress(pack.read_bytes())).values()]
    return ids


def test_the_corpus_is_large_and_of_every_kind() -> None:
    """At least 40 queries, with each operator and field of the grammar."""
    assert len(CORPUS) >= 40
    text = " ".join(CORPUS)
    for part in (" OR ", "NOT ", "-", '"', *(f"{f}:" for f in ("year", "region", "type", "topic", "domain",
                                                                  "national", "framework", "illustrative"))):
        assert part in text, part


@pytest.mark.parametrize("query", CORPUS)
def test_site_and_command_line_agree(site_page: Any, bundled: Path, query: str) -> None:
    """Both engines return the same ten schemes, in the same order, and the same correction."""
    assert site_answer(site_page, query) == cli_answer(bundled, query)


def test_javascript_stems_as_whoosh_does(site_page: Any) -> None:
    """stem.js gives the Snowball stem whoosh gives, for every word of the bundled library and inflections of it."""
    words: set[str] = set()
    for path in (REPO / "schemes").rglob("*.yaml"):
        words |= {w.lower() for w in re.findall(r"\w+(?:[.&]?\w+)*", path.read_text(encoding="utf-8"))}
    words |= {w + end for w in list(words) for end in ("s", "es", "ing", "ed", "ly", "ness", "ation", "ies", "ful")}
    words |= {"generously", "communities", "arsenals", "skies", "dying", "proceeded", "'s", "y", "yy", "a&e"}
    ordered = sorted(words)
    stem = EnglishStemmer().stem
    got = site_page.evaluate("words => words.map(window.cquinStem)", ordered)
    assert [w for w, s in zip(ordered, got) if s != stem(w)] == []
