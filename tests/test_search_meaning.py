"""What `build.py search` finds for what a reader means: inflections, OR/NOT/phrases, fields, synonyms and
abbreviations, typos with a correction, region words ranked by region, and a quiet closed pipe."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO
from cquinlib.commands.cli import main
from search_meaning_library import built_meaning_library


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The meaning library, built."""
    return built_meaning_library(tmp_path_factory, "meaning")


def search(lib: Path, capsys: pytest.CaptureFixture[str], query: str, *extra: str) -> tuple[list[str], str]:
    """The ids the search verb ranks for a query, and what it says on stderr."""
    capsys.readouterr()
    assert main(["search", query, "--schemes", str(lib / "schemes"), "--cache", str(lib / ".cache"), "--json",
                 "--limit", "50", *extra]) == 0
    captured = capsys.readouterr()
    return [row["id"] for row in json.loads(captured.out)], captured.err


def found(lib: Path, capsys: pytest.CaptureFixture[str], query: str) -> set[str]:
    """The set of schemes a query finds."""
    return {sid.rsplit("/", 1)[1] for sid in search(lib, capsys, query)[0]}


@pytest.mark.parametrize("query, expected", [
    ("learning disabilities", {"brook"}),  # only 'disability' is written
    ("risk assessments", {"brook", "clots"}),
    ("injuries", {"kidney"}),
    ("vaccinations", {"staff-flu"}),
])
def test_inflections_of_indexed_words(lib: Path, capsys: pytest.CaptureFixture[str], query: str,
                                      expected: set[str]) -> None:
    """Any inflection of an indexed word finds it."""
    assert found(lib, capsys, query) == expected


@pytest.mark.parametrize("query, expected", [
    ("dementia OR delirium", {"fenland", "shire"}),
    ("smoking NOT alcohol", {"smoking"}),
    ("smoking -alcohol", {"smoking"}),
    ("NOT alcohol smoking", {"smoking"}),
    ('"fluid balance"', {"fluid"}),
    ('"balance fluid"', {"fluid"}),  # word order is not checked
    ('"thameside sepsis"', set()),  # provider and goal are two places
    ("thameside sepsis", {"thameside"}),
    ("year:2010-11", {"pressure", "clots"}),
    ("year:2010/11 pressure", {"pressure"}),
    ('region:"east of england"', {"fenland", "repeat", "nhs111", "clots"}),
    ("type:ambulance", {"repeat"}),
    ("topic:sepsis", {"thameside", "london-road"}),
    ("illustrative:true", {"fenland"}),
    ("framework:other", {"repeat"}),
    ("NOT framework:cquin", {"repeat"}),
    ("region:nowhere sepsis", set()),
])
def test_operators_and_fields(lib: Path, capsys: pytest.CaptureFixture[str], query: str, expected: set[str]) -> None:
    """OR, NOT and -, quoted phrases and field:value filters mean what the grammar says."""
    assert found(lib, capsys, query) == expected


def test_a_known_word_is_not_completed(lib: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """'flu' is a word of the library: it does not also find 'fluid'; an unknown 'flui' is completed to it."""
    assert "fluid" not in found(lib, capsys, "flu")
    assert found(lib, capsys, "flui") == {"fluid"}


def test_a_completion_ranks_below_the_exact_word(lib: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A completed word weighs half of a typed one."""
    exact = search(lib, capsys, "fluid")[0]
    completed = search(lib, capsys, "flui")[0]
    assert exact == completed
    rows = [json.loads(out) for out in (_json(lib, capsys, "fluid"), _json(lib, capsys, "flui"))]
    assert rows[1][0]["score"] == pytest.approx(rows[0][0]["score"] / 2)


def _json(lib: Path, capsys: pytest.CaptureFixture[str], query: str) -> str:
    """The raw --json output for a query."""
    capsys.readouterr()
    assert main(["search", query, "--schemes", str(lib / "schemes"), "--cache", str(lib / ".cache"), "--json"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("query, expected", [
    ("flu jab", {"staff-flu"}),
    ("influenza", {"staff-flu"}),
    ("smoking", {"smoking", "alcohol"}),
    ("tobacco", {"smoking", "alcohol"}),
    ("blood clots", {"clots"}),
    ("pressure sores", {"pressure"}),
    ("septic", {"thameside", "london-road"}),
    ("A&E", {"repeat", "waits"}),
    ("emergency department", {"repeat", "waits"}),
    ("MH", {"fenland", "vale"}),
    ("LD", {"brook"}),
])
def test_synonyms_and_aliases(lib: Path, capsys: pytest.CaptureFixture[str], query: str, expected: set[str]) -> None:
    """A topic's aliases and the groups of _synonyms.yaml find what they stand for."""
    assert found(lib, capsys, query) == expected


@pytest.mark.parametrize("query, expected", [("A&E", "repeat"), ("111", "nhs111"), ("CQUIN01", "codes"),
                                             ("cquin01", "codes")])
def test_codes_and_abbreviations_are_words(lib: Path, capsys: pytest.CaptureFixture[str], query: str,
                                           expected: str) -> None:
    """A&E, 111 and CQUIN01 are searchable words."""
    assert expected in found(lib, capsys, query)


def test_a_typo_searches_the_nearest_word_and_says_so(lib: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """'sepsiss' searches 'sepsis' and says so; --exact searches the word as typed."""
    ids, err = search(lib, capsys, "sepsiss screening")
    assert ids == ["2019-20/midlands/london-road"]
    assert "showing results for 'sepsis screening'" in err
    assert search(lib, capsys, "sepsiss", "--exact") == ([], "")
    assert found(lib, capsys, "dementai") == {"fenland"}


def test_region_words_rank_schemes_in_the_region_first(lib: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A scheme in London comes before a provider named after London elsewhere; 'East of England' puts its
    schemes before one in 'Midlands and East'."""
    assert search(lib, capsys, "London sepsis")[0][:2] == ["2019-20/london/thameside", "2019-20/midlands/london-road"]
    east = search(lib, capsys, "east of england")[0]
    assert set(east[:4]) == {"2019-20/east-of-england/fenland", "2019-20/east-of-england/repeat",
                             "2019-20/east-of-england/nhs111", "2010-11/east-of-england/clots"}
    assert "2019-20/midlands-and-east/shire" in east[4:]


def test_a_closed_pipe_is_quiet(lib: Path) -> None:
    """`build.py search ... | head -1`: the reader leaves early, and search exits without a traceback."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, str(REPO / "build.py"), "search", "scheme", "--limit", "1000",
                                "--schemes", str(lib / "schemes"), "--cache", str(lib / ".cache")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # closed before anything is written: every write meets a broken pipe
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0
    assert "Traceback" not in err and "BrokenPipe" not in err, err


def test_the_json_rows(lib: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--json keeps its shape: id, title, url, score, provider, year, region, type, goal."""
    row: dict[str, Any] = json.loads(_json(lib, capsys, "sepsis"))[0]
    assert set(row) == {"id", "title", "url", "score", "provider", "year", "region", "type", "goal"}


def test_synonyms_and_aliases_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A synonym group of one, a group that is not a list, and aliases that are not a list are errors at their
    line and column."""
    from conftest import TOPICS, write_library

    lib = write_library(tmp_path, topics=TOPICS.replace("  name: Falls prevention\n",
                                                         "  name: Falls prevention\n  aliases: trips\n"))
    (lib / "_synonyms.yaml").write_text("- [A&E, emergency department]\n- [lonely]\n- not a list\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["check", "--schemes", str(lib)]) == 1
    err = capsys.readouterr().err
    assert re.search(r"_synonyms\.yaml:2:3: \[1\]: needs at least 2 item", err), err
    assert re.search(r"_synonyms\.yaml:3:3: \[2\]: expected a list", err), err
    assert re.search(r"_topics\.yaml:\d+:\d+: falls\.aliases: ", err), err


def test_a_library_without_synonyms_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """_synonyms.yaml is optional: every library valid before stays valid."""
    from conftest import write_library

    assert main(["check", "--schemes", str(write_library(tmp_path))]) == 0


@pytest.mark.parametrize("change", ["synonym added", "alias added", "synonyms file removed"])
def test_editing_synonyms_builds_as_a_clean_build_does(tmp_path: Path, change: str) -> None:
    """An edit to _synonyms.yaml or to a topic's aliases changes the search files an incremental build writes
    exactly as a clean build writes them, and a query sees it."""
    from helpers import build, snapshot
    from search_meaning_library import write_meaning_library

    lib = write_meaning_library(tmp_path)
    assert build(tmp_path) == 0
    synonyms, topics = lib / "_synonyms.yaml", lib / "_topics.yaml"
    if change == "synonym added":
        synonyms.write_text(synonyms.read_text(encoding="utf-8") + "- [pumpkin, sepsis]\n", encoding="utf-8")
    elif change == "alias added":
        topics.write_text(topics.read_text(encoding="utf-8").replace("[septic]", "[septic, pumpkin]"),
                          encoding="utf-8")
    else:
        synonyms.unlink()
    assert build(tmp_path) == 0
    assert main(["build", "--schemes", str(lib), "--content", str(tmp_path / "content"), "--out",
                 str(tmp_path / "clean"), "--cache", str(tmp_path / "clean-cache")]) == 0
    def files(site: Path) -> dict[str, bytes]:
        """The site's files but the build's bookkeeping."""
        return {k: v[0] for k, v in snapshot(site).items() if not k.startswith(".")}
    assert files(tmp_path / "site") == files(tmp_path / "clean")
    out = subprocess.run([sys.executable, str(REPO / "build.py"), "search", "pumpkin", "--json", "--schemes",
                          str(lib), "--cache", str(tmp_path / ".cache")], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, check=True).stdout
    assert bool(json.loads(out)) == (change != "synonyms file removed")


def test_the_json_schema_describes_the_shared_files() -> None:
    """The published JSON Schema holds the shared files' shapes, and the bundled ones fit them."""
    import jsonschema
    import yaml

    from cquinlib.format.jsonschema import scheme_json_schema

    schema = scheme_json_schema()
    for name, key in (("_topics.yaml", "topics-file"), ("_synonyms.yaml", "synonyms-file"),
                      ("_regions.yaml", "regions-file")):
        data = yaml.safe_load((REPO / "schemes" / name).read_text(encoding="utf-8"))
        jsonschema.validate(data, {"$defs": schema["$defs"], "$ref": f"#/$defs/{key}"})
    assert schema["$defs"]["topics-file"]["additionalProperties"]["properties"]["aliases"]["type"] == "array"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([["lonely"]], schema["$defs"]["synonyms-file"])


def test_an_unknown_inflection_finds_a_word_with_the_stem_before_it(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Where the library holds only 'injured' (stem 'injur'), 'injuries' (stem 'injuri') searches it, and says so."""
    from conftest import SCHEME, write_library

    lib = write_library(tmp_path, {"2010-11/london/example": SCHEME.replace("Fewer falls", "Fewer patients injured")})
    ids, err = search(tmp_path, capsys, "injuries")
    assert lib.is_dir() and ids == ["2010-11/london/example"] and "showing results for 'injured'" in err
