"""Search: the static export the site and the command line search, checked against whoosh's own index (which
search.index makes on request, and updates incrementally), and related schemes."""

from __future__ import annotations

import gzip
import itertools
import math
import json
import marshal
import shutil
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index

from conftest import SCHEME, write_content, write_library
from cquinlib.commands.cli import main
from cquinlib.library.load import scan_library
from cquinlib.library.validate import validate_library
from cquinlib.search.analysis import SearchAnalyzer, stemming_analyzer
from cquinlib.search.index import HELD_FILE, index_path, update_index
from cquinlib.search.labels import topic_labels
from cquinlib.search.query import search
from cquinlib.search.document import similar_text
from cquinlib.search.related import RELATED_TERMS
from cquinlib.search.stage import build_search, source_of
from helpers import build, page
from search_library import LISTED, built_search_library, write_search_library

PRIVATE = ("private.person", "Private Person")


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The search library, built once: root holds schemes/, content/, site/ and .cache/."""
    return built_search_library(tmp_path_factory, "search")


def run_search(root: Path, capsys: pytest.CaptureFixture[str], *words: str) -> list[dict[str, Any]]:
    """The --json results of the search verb for a library."""
    capsys.readouterr()
    assert main(["search", *words, "--schemes", str(root / "schemes"), "--cache", str(root / ".cache"),
                 "--json", "--limit", "50"]) == 0
    return json.loads(capsys.readouterr().out)


def ids(rows: list[dict[str, Any]]) -> list[str]:
    """The scheme ids of search results, in order."""
    return [row["id"] for row in rows]


def test_ranking_puts_the_best_match_first(lib: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A scheme about staff flu vaccination in title and goal outranks ones that mention it less; scores fall."""
    rows = run_search(lib, capsys, "flu", "vaccination")
    assert ids(rows)[:2] == ["2019-20/midlands/riverside", "2019-20/london/northgate"]
    assert set(ids(rows)) == {"2019-20/midlands/riverside", "2019-20/london/northgate", "2019-20/london/hostile"}
    scores = [row["score"] for row in rows]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0


def test_json_shape(lib: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints a list of objects with id, title, url and score, and the best matching goal."""
    row = run_search(lib, capsys, "pumpkinlattice")[0]
    assert row["id"] == "2019-20/east-of-england/pumpkin"
    assert row["title"] == "Pumpkin Vale mental health scheme 2019/20"
    assert row["url"] == "/schemes/2019-20/east-of-england/pumpkin/"
    assert isinstance(row["score"], float) and row["score"] > 0
    assert row["goal"] == {"number": "1", "name": "Pumpkinlattice audit of physical health checks"}
    assert (row["year"], row["region"], row["type"]) == ("2019-20", "east-of-england", "mental-health")


@pytest.mark.parametrize("query, expected", [
    ("year:2019-20", {"2019-20/midlands/riverside", "2019-20/london/northgate", "2019-20/east-of-england/pumpkin",
                      "2019-20/london/hostile"}),
    ("region:midlands", {"2019-20/midlands/riverside"}),
    ("type:community", {"2019-20/midlands/riverside", "2010-11/east-of-england/meadow"}),
    ("topic:falls", {"2010-11/london/example", "2019-20/london/northgate", "2010-11/east-of-england/meadow"}),
    ("domain:effectiveness flu", {"2019-20/london/northgate"}),
    ("domain:safety pumpkinlattice", set()),
    ("year:2019-20 falls", {"2019-20/london/northgate"}),
    ("national:national", {"2010-11/london/example", "2019-20/midlands/riverside"}),
])
def test_fields(lib: Path, capsys: pytest.CaptureFixture[str], query: str, expected: set[str]) -> None:
    """Fields of the query language narrow the search to a year, region, provider type, topic or domain."""
    assert set(ids(run_search(lib, capsys, query))) == expected


def test_stemming_finds_other_forms(lib: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """'vaccination' finds 'vaccinations' (Northgate) and 'vaccinated' (Riverside's indicator), and back."""
    found = set(ids(run_search(lib, capsys, "vaccination")))
    assert {"2019-20/london/northgate", "2019-20/midlands/riverside"} <= found
    assert set(ids(run_search(lib, capsys, "vaccinated"))) == found
    assert ids(run_search(lib, capsys, "falls")) == ids(run_search(lib, capsys, "fall"))


def test_drafts_withdrawn_and_contacts_are_never_found(lib: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Words only a withdrawn scheme, a draft or a private contact has find nothing."""
    for word in ("zanzibarquux", "draftonlyword", "private.person", "Private Person"):
        assert run_search(lib, capsys, word) == [], word


def test_text_output_names_id_title_and_goal(lib: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json each result shows its id, title and best matching goal."""
    capsys.readouterr()
    assert main(["search", "sepsis", "--schemes", str(lib / "schemes"), "--cache", str(lib / ".cache")]) == 0
    out = capsys.readouterr().out
    assert "2019-20/east-of-england/pumpkin  Pumpkin Vale mental health scheme 2019/20" in out
    assert main(["search", "falls", "--schemes", str(lib / "schemes"), "--cache", str(lib / ".cache"),
                 "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert out.count("score") == 1 and "goal " in out


def test_invalid_library_exits_1_with_diagnostics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """search validates first: a library with an error is reported like check reports it, and exits 1."""
    write_library(tmp_path, {"2010-11/london/example": SCHEME.replace("domain: safety", "domain: saftey")})
    assert main(["search", "falls", "--schemes", str(tmp_path / "schemes"), "--cache", str(tmp_path / ".c")]) == 1
    err = capsys.readouterr().err
    assert "example.yaml" in err and "goals[0].domain" in err and "1 error" in err


def library_of(root: Path) -> Any:
    """The validated library under root, through the one validation path (no cache)."""
    return validate_library(scan_library(root / "schemes"))


def whoosh_of(root: Path) -> Path:
    """The whoosh index of root's library, made from the analysis the export is made from (the build writes
    none): the reference the export's statistics, scores and related lists are checked against."""
    source = source_of(library_of(root))
    return update_index(source.root, source.keys, source.terms, source.code, root / ".whoosh").path


def recording_update(root: Path, cache: Path) -> tuple[Any, list[str]]:
    """Update root's index in cache, recording which schemes were loaded to be indexed."""
    source = source_of(library_of(root))
    loaded: list[str] = []

    def load(wanted: list[str]) -> Any:
        """Analyse through the source, noting the ids."""
        loaded.extend(wanted)
        return source.terms(wanted)

    return update_index(source.root, source.keys, load, source.code, cache), loaded


def test_incremental_update_touches_only_what_changed(tmp_path: Path) -> None:
    """Editing one scheme re-indexes it alone; a deleted scheme leaves the index; scores equal a fresh index's."""
    write_search_library(tmp_path)
    cache = tmp_path / "cache"
    first, loaded = recording_update(tmp_path, cache)
    assert sorted(first.added) == LISTED and sorted(loaded) == LISTED
    again, loaded = recording_update(tmp_path, cache)
    assert (again.added, again.changed, again.removed, loaded) == ((), (), (), [])
    edited = tmp_path / "schemes/2019-20/london/northgate.yaml"
    edited.write_text(edited.read_text().replace("Falls prevention on wards", "Quokkaward falls"))
    (tmp_path / "schemes/2010-11/east-of-england/meadow.yaml").unlink()
    update, loaded = recording_update(tmp_path, cache)
    assert update.changed == ("2019-20/london/northgate",) and loaded == ["2019-20/london/northgate"]
    assert update.removed == ("2010-11/east-of-england/meadow",) and update.added == ()
    topics = topic_labels(source_of(validate_library(scan_library(tmp_path / "schemes"))).labels.topics)
    hits, _ = search(update.path, "quokkaward", topics)
    assert [h.id for h in hits] == ["2019-20/london/northgate"]
    assert all(h.id != "2010-11/east-of-england/meadow" for h in search(update.path, "falls", topics)[0])
    ix = whoosh_index.open_dir(str(update.path))
    with ix.searcher() as searcher:
        assert not searcher.reader().has_deletions()
    ix.close()
    fresh, _ = recording_update(tmp_path, tmp_path / "fresh-cache")
    for query in ("falls", "flu vaccination", "scheme", "year:2019-20 staff"):
        assert search(update.path, query, topics)[0] == search(fresh.path, query, topics)[0], query


def test_the_record_of_what_the_index_holds_is_checked(tmp_path: Path) -> None:
    """Builds read what the index holds from a record stamped with the index's generation: it equals the stored
    fields after an update, it is trusted only at that generation, and a damaged one is read past."""
    write_search_library(tmp_path)
    cache = tmp_path / "cache"
    first, _ = recording_update(tmp_path, cache)
    held = first.path / HELD_FILE
    ix = whoosh_index.open_dir(str(first.path))
    with ix.searcher() as searcher:
        stored = {f["id"]: f["digest"] for f in searcher.reader().all_stored_fields()}
    generation = ix.latest_generation()
    ix.close()
    recorded, record = marshal.loads(held.read_bytes())
    assert recorded == generation and {sid: digest for sid, (_, digest) in record.items()} == stored
    for damaged in (b"not a record", marshal.dumps((generation - 1, {}))):
        held.write_bytes(damaged)
        again, loaded = recording_update(tmp_path, cache)
        assert (again.added, again.changed, again.removed, loaded) == ((), (), (), [])
    held.write_bytes(marshal.dumps((generation, {})))  # a record of this generation is believed
    believed, _ = recording_update(tmp_path, cache)
    assert sorted(believed.added) == LISTED


def test_fast_analyzer_gives_the_stemming_analyzers_tokens() -> None:
    """The analyser yields exactly whoosh's StemmingAnalyzer tokens and positions, and its counting path the
    same counts and words."""
    fast, full = SearchAnalyzer(), stemming_analyzer()
    texts = [SCHEME, "The falls in community trusts, e.g. 1.5% in 2019/20: *worked* **bold** a_b __x__",
             "İstanbul straße ÉCOLE naïve façade 東京 café's it's", "", "a an the of", "3.14.15 v1.2 x.y.z"]
    for text in texts:
        for start in (0, 7):
            got = [(t.text, t.pos) for t in fast(text, positions=True, boosts=True, mode="index", start_pos=start)]
            want = [(t.text, t.pos) for t in full(text, positions=True, boosts=True, mode="index", start_pos=start)]
            assert got == want, text
        counted: dict[str, int] = {}
        kept: dict[str, str] = {}
        for t in full(text, mode="index", keeporiginal=True):
            counted[t.text] = counted.get(t.text, 0) + 1
            kept[t.original.lower()] = t.text
        vocabulary: dict[str, str] = {}
        assert fast.stem_frequencies(text, vocabulary) == counted, text
        assert vocabulary == kept, text
    assert [t.text for t in fast("Vaccinated vaccinations", mode="query")] == ["vaccin", "vaccin"]


def exported(site: Path, name: str) -> Any:
    """A file of the static search index, inflated and parsed."""
    data = (site / "search" / name).read_bytes()
    return json.loads(gzip.decompress(data) if name.endswith(".gz") else data)


def decode_stem(word: str, code: str) -> str:
    """A word's stem from its code in a vocabulary shard, as search.js decodes it."""
    if code.startswith("="):
        return code[1:]
    if not code:
        return word
    digits = len(code) - len(code.lstrip("0123456789"))
    return word[:len(word) - int(code[:digits])] + code[digits:]


def run_of(runs: list[list[str]], key: str) -> str:
    """The file of the run holding a key: the last run whose first key is not after it."""
    return [name for first, name in runs if first <= key][-1]


def slots(site: Path) -> dict[str, int]:
    """Each listed scheme's slot, its number in the export: the facet table lists them in id order."""
    return dict(zip(LISTED, exported(site, "f.gz")["d"]))


def browser_scores(site: Path, words: list[str]) -> dict[int, float]:
    """Document scores for an AND of words, computed from the export exactly as search.js computes them: each
    stem's BM25F score in the text fields, plus that of each topic whose name holds the stem."""
    m = exported(site, "m.gz")
    table = exported(site, "f.gz")
    topic = next(f for f in table["f"] if f["k"] == "topic")

    def bm25(idf: float, tf: float, fl: float, avgfl: float) -> float:
        """whoosh's BM25 of one term in one field of one document."""
        return idf * ((tf * (m["k1"] + 1)) / (tf + m["k1"] * ((1 - m["b"]) + m["b"] * fl / avgfl)))

    total: dict[int, float] | None = None
    for word in words:
        shard = exported(site, f"v/{run_of(m['vocab'], word)}.gz")
        stem = decode_stem(word, shard["s"][shard["w"].index(word)])
        docs: dict[int, float] = {}
        for field, gaps, freqs, lengths in exported(site, f"p/{run_of(m['post'], stem)}.gz").get(stem, []):
            _, boost, avgfl = m["fields"][field]
            idf, doc = math.log(m["n"] / (len(gaps) + 1)) + 1, 0
            for gap, freq, fl in zip(gaps, freqs, lengths):
                doc += gap
                docs[doc] = docs.get(doc, 0.0) + bm25(idf, freq * boost, fl, avgfl)
        for slug in m["lab"]["topic"].get(stem, []):
            code = chr(48 + topic["v"].index(slug))
            holders = [(slot, len(codes)) for slot, codes in zip(table["d"], topic["c"]) if code in codes]
            idf = math.log(m["n"] / (len(holders) + 1)) + 1
            for slot, count in holders:
                docs[slot] = docs.get(slot, 0.0) + bm25(idf, m["lb"]["topic"][0], m["ql"][count], m["lb"]["topic"][1])
        total = docs if total is None else {d: s + docs[d] for d, s in total.items() if d in docs}
    return total or {}


def test_export_reproduces_whoosh_scores(lib: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Scores computed from the exported frequencies and lengths equal whoosh's, and rank schemes alike."""
    for words in (["flu", "vaccination"], ["falls"], ["scheme"], ["staff"], ["prevention"], ["vaccination"]):
        rows = run_search(lib, capsys, *words)
        scores, slot = browser_scores(lib / "site", words), slots(lib / "site")
        assert sorted(scores) == sorted(slot[i] for i in ids(rows)), words
        for row in rows:
            assert row["score"] == pytest.approx(scores[slot[row["id"]]], rel=1e-6), words


def test_export_holds_the_whoosh_index(lib: Path) -> None:
    """Every exported posting and field length is the index's own: same terms, frequencies and lengths."""
    m = exported(lib / "site", "m.gz")
    ix = whoosh_index.open_dir(str(whoosh_of(lib)))
    with ix.searcher() as searcher:
        reader = searcher.reader()
        slot = slots(lib / "site")
        number = {docnum: slot[fields["id"]] for docnum, fields in reader.iter_docs()}
        for field_no, (field, boost, avgfl) in enumerate(m["fields"]):
            assert avgfl == searcher.avg_field_length(field)
            for term in reader.lexicon(field):
                stem = term.decode("utf-8")
                rows = {row[0]: row[1:] for row in exported(lib / "site", f"p/{run_of(m['post'], stem)}.gz")[stem]}
                gaps, freqs, lengths = rows[field_no]
                docs = list(itertools.accumulate(gaps))
                want = sorted((number[d], w, searcher.doc_field_length(d, field, 1))
                              for d, w in reader.postings(field, term).items_as("weight"))
                assert [(d, f * boost, n) for d, f, n in zip(docs, freqs, lengths)] == want, (field, stem)
    ix.close()


def test_export_vocabulary_and_cards(lib: Path) -> None:
    """Every surface word maps to the stem whoosh gave it; cards carry what a result shows."""
    analyzer, count = stemming_analyzer(), 0
    for name in sorted(p.name for p in (lib / "site/search/v").iterdir()):
        shard = exported(lib / "site", f"v/{name}")
        for word, code in zip(shard["w"], shard["s"]):
            assert [t.text for t in analyzer(word)] == [decode_stem(word, code)], word
            count += 1
    assert count > 50
    assert exported(lib / "site", "m.gz")["n"] == len(LISTED)
    number, pack = slots(lib / "site")["2019-20/midlands/riverside"], exported(lib / "site", "m.gz")["pack"]
    card = exported(lib / "site", f"d/{number // pack}.gz")[str(number % pack)]
    assert card == {"i": "2019-20/midlands/riverside", "t": "Riverside community scheme 2019/20",
                    "o": "Riverside Community Health NHS Trust", "y": "2019/20", "r": "Midlands", "p": "Community",
                    "l": [], "g": [["1", "Staff flu vaccination", ["flu"]]]}
    facets = {f["k"]: f for f in exported(lib / "site", "f.gz")["f"]}
    assert facets["year"]["v"] == ["2019-20", "2010-11"] and facets["topic"]["l"][0] == "Falls prevention"


def test_no_private_contact_in_any_search_file_or_index(lib: Path) -> None:
    """The contact in conftest.SCHEME appears in no exported file (inflated) and nowhere in the index."""
    site_files = [p for p in (lib / "site" / "search").rglob("*") if p.is_file()]
    index = whoosh_of(lib)
    cache_files = [p for p in (lib / ".cache" / "search").rglob("*") if p.is_file()]
    index_files = [p for p in index.rglob("*") if p.is_file()]
    assert len(site_files) >= 5 and len(cache_files) >= 3 and len(index_files) > 3
    files = site_files + cache_files + index_files
    for path in files:
        data = path.read_bytes()
        texts = [data, gzip.decompress(data)] if data[:2] == b"\x1f\x8b" else [data]
        for text in texts:
            assert not any(p.encode() in text for p in PRIVATE), path
    ix = whoosh_index.open_dir(str(index))
    with ix.searcher() as searcher:
        stored = json.dumps([fields for _, fields in searcher.reader().iter_docs()])
        assert not any(p.lower() in stored.lower() for p in PRIVATE)
    ix.close()


def test_related_schemes_are_whooshs_more_like_this(lib: Path) -> None:
    """Related lists equal whoosh's more_like over the similar field: best first, listed only, never itself."""
    library = library_of(lib)
    source = source_of(library)
    result = build_search(source, lib / "related-cache")
    ix = whoosh_index.open_dir(str(whoosh_of(lib)))
    with ix.searcher() as searcher:
        for card in source.cards:
            docnum = searcher.document_number(id=card.id)
            hits = searcher.more_like(docnum, "similar", text=similar_text(card), top=None,
                                      numterms=RELATED_TERMS)
            ranked = sorted((-round(h.score, 9), h["id"]) for h in hits if h["id"] != card.id)
            assert result.related[card.id] == tuple(sid for _, sid in ranked[:5]), card.id
    ix.close()
    assert all(card.id not in result.related[card.id] and set(result.related[card.id]) <= set(LISTED)
               for card in source.cards)
    assert "2010-11/london/withdrawn" in result.related and "2010-11/london/withdrawn" not in {
        r for rel in result.related.values() for r in rel}


def test_related_lists_are_the_same_made_on_every_core(lib: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Related lists made by forked workers, as a large library's are, equal those made in this process."""
    from cquinlib.search import related
    source = source_of(library_of(lib))
    alone = build_search(source, lib / "related-alone").related
    monkeypatch.setattr(related, "PARALLEL", 1)
    assert build_search(source, lib / "related-forked").related == alone and len(alone) >= 5


def test_scheme_pages_link_related_schemes(lib: Path) -> None:
    """A scheme page lists similar schemes with links; a withdrawn page may too; pages never list themselves."""
    riverside = page(lib / "site", "/schemes/2019-20/midlands/riverside/")
    links = [a["href"] for a in riverside.select("ul.related a")]
    assert links and "/schemes/2019-20/london/northgate/" in links
    assert "/schemes/2019-20/midlands/riverside/" not in links and len(links) <= 5
    assert riverside.find("h2", id="related").get_text() == "Similar schemes"
    withdrawn = page(lib / "site", "/schemes/2010-11/london/withdrawn/")
    assert "/schemes/2010-11/london/example/" in [a["href"] for a in withdrawn.select("ul.related a")]


def test_search_page_and_shards_are_built(lib: Path) -> None:
    """The build writes /search/ with a labelled box, the base path for the script, and the shards."""
    soup = page(lib / "site", "/search/")
    box = soup.find("input", id="search-q")
    assert soup.find("label", attrs={"for": "search-q"}) and box["name"] == "q"
    assert soup.find(id="search")["data-base"] == "/search/"
    assert soup.find(id="search-status")["role"] == "status"  # the one live region
    assert not soup.select("[aria-live]")
    assert {a["href"] for a in soup.select("main a")} >= {"/years/", "/regions/", "/types/", "/goals/"}
    assert soup.find("noscript")
    m = exported(lib / "site", "m.gz")
    for name in ("f.gz", f"v/{m['vocab'][0][1]}.gz", f"p/{m['post'][0][1]}.gz", "d/0.gz"):
        assert (lib / "site" / "search" / name).is_file(), name
    home = page(lib / "site", "/")
    form = home.find("form", role="search")
    assert form["action"] == "/search/" and form.find("input")["name"] == "q"
    assert "/search/" in [a["href"] for a in home.select("nav[aria-label=Main] a")]


def test_search_page_under_a_sub_path(tmp_path: Path) -> None:
    """With --base-url /cquin/ the script reads its files from /cquin/search/."""
    write_library(tmp_path)
    write_content(tmp_path)
    assert build(tmp_path, "--base-url", "/cquin/") == 0
    soup = page(tmp_path / "site", "/search/")
    assert soup.find(id="search")["data-base"] == "/cquin/search/"
    assert [s["src"] for s in soup.find_all("script")][-2:] == ["/cquin/static/stem.js", "/cquin/static/search.js"]


def test_search_files_are_deterministic(tmp_path: Path) -> None:
    """The same library gives the same search files, from a fresh cache or one updated back and forth."""
    write_search_library(tmp_path)

    def search_files() -> dict[str, bytes]:
        """The built search files by path."""
        folder = tmp_path / "site" / "search"
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    assert build(tmp_path) == 0
    first = search_files()
    edited = tmp_path / "schemes/2019-20/london/northgate.yaml"
    original = edited.read_text()
    edited.write_text(original.replace("Falls prevention on wards", "Wards"))
    assert build(tmp_path) == 0
    assert search_files() != first
    edited.write_text(original)
    assert build(tmp_path) == 0
    assert search_files() == first
    shutil.rmtree(tmp_path / "site")
    assert build(tmp_path, "--cache", str(tmp_path / "other-cache")) == 0
    assert search_files() == first
