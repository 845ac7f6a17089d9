"""The open data kept between builds (issue 13): an edit makes only its own scheme's rows and lines again, and a
damaged or foreign cache file is made afresh, with the same output as a clean build."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from comparisons_library import write_comparison_library
from cquinlib.build import opendata
from cquinlib.build.options import BuildOptions, default_templates_dir
from cquinlib.build.pipeline import build_site


def options(root: Path, base_url: str = "/") -> BuildOptions:
    """Build options for the comparison library under root."""
    return BuildOptions(root / "schemes", root / "content", root / "site", default_templates_dir(),
                        cache_dir=root / ".cache", base_url=base_url)


def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the schemes whose open data a build makes, as it makes them."""
    made: list[str] = []
    real = opendata.scheme_data

    def spy(scheme: Any, year: Any, address: Any) -> Any:
        """Note the scheme, then make its data."""
        made.append(scheme.id)
        return real(scheme, year, address)

    monkeypatch.setattr(opendata, "scheme_data", spy)
    return made


def downloads(root: Path) -> dict[str, bytes]:
    """The three downloads as built."""
    return {n: (root / "site" / "downloads" / n).read_bytes() for n in ("schemes.csv", "indicators.csv",
                                                                         "schemes.json")}


def test_an_edit_makes_only_its_own_schemes_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first build makes all four built schemes' data; after Beta's edit only Beta's is made again."""
    write_comparison_library(tmp_path)
    made = counted(monkeypatch)
    build_site(options(tmp_path))
    assert sorted(made) == ["2019-20/london/alpha", "2019-20/london/gone", "2019-20/midlands/beta",
                            "2020-21/london/alpha"]
    made.clear()
    beta = tmp_path / "schemes" / "2019-20" / "midlands" / "beta.yaml"
    beta.write_text(beta.read_text(encoding="utf-8").replace('value: "90%"', 'value: "95%"'), encoding="utf-8")
    build_site(options(tmp_path))
    assert made == ["2019-20/midlands/beta"]
    assert "95%" in downloads(tmp_path)["indicators.csv"].decode()


def test_a_damaged_or_foreign_cache_is_made_afresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Garbage in the file: one notice, every scheme made again, the same downloads; another address makes all
    again too (the downloads give full addresses)."""
    write_comparison_library(tmp_path)
    build_site(options(tmp_path))
    before = downloads(tmp_path)
    shards = sorted((tmp_path / ".cache" / opendata.FILE_NAME).glob("*.pickle"))
    assert shards
    for shard in shards:
        shard.write_bytes(b"not a pickle")
    made = counted(monkeypatch)
    # A changed source makes the build run past its up-to-date check.
    alpha = tmp_path / "schemes" / "2019-20" / "london" / "alpha.yaml"
    alpha.write_text(alpha.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    result = build_site(options(tmp_path))
    assert len(made) == 4 and downloads(tmp_path) == before
    assert [n for n in result.notices if opendata.FILE_NAME in n and "made afresh" in n]
    made.clear()
    build_site(options(tmp_path, base_url="https://other.example.org/lib/"))
    assert len(made) == 4
    assert b"https://other.example.org/lib/schemes/" in downloads(tmp_path)["schemes.csv"]


def test_an_edit_rewrites_only_its_years_part_of_the_downloads(tmp_path: Path) -> None:
    """The downloads are written from each year's part in the cache: after Beta's edit (2019/20) the 2020/21
    files are untouched, 2019/20's are made for its schemes as they now are (the old ones gone), and the
    downloads equal those of a build with no cache at all."""
    write_comparison_library(tmp_path)
    build_site(options(tmp_path))
    folder = tmp_path / ".cache" / opendata.FILE_NAME
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert {n.partition(".")[0] for n in before} == {"2019-20", "2020-21"} and len(before) == 8
    beta = tmp_path / "schemes" / "2019-20" / "midlands" / "beta.yaml"
    beta.write_text(beta.read_text(encoding="utf-8").replace('value: "90%"', 'value: "95%"'), encoding="utf-8")
    build_site(options(tmp_path))
    after = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    later = {n: t for n, t in before.items() if n.startswith("2020-21.")}
    assert later and all(after.get(n) == t for n, t in later.items())
    parts = {n for n in after if n.startswith("2019-20.") and not n.endswith(".pickle")}
    assert len(parts) == 3 and not parts & set(before)
    uncached = BuildOptions(tmp_path / "schemes", tmp_path / "content", tmp_path / "uncached",
                            default_templates_dir(), cache_dir=None)
    build_site(uncached)
    assert downloads(tmp_path) == {n: (tmp_path / "uncached/downloads" / n).read_bytes() for n in downloads(tmp_path)}
    assert b"95%" in downloads(tmp_path)["indicators.csv"]


def test_a_years_part_cut_short_is_made_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A year's kept part of a download that no longer holds what its rows say (cut short): after an edit in
    that year, its schemes are made again from their models, with one notice, and the downloads equal those of
    a build with no cache."""
    write_comparison_library(tmp_path)
    build_site(options(tmp_path))
    part = next((tmp_path / ".cache" / opendata.FILE_NAME).glob("2019-20.*.indicators.csv"))
    part.write_bytes(part.read_bytes()[:-7])
    made = counted(monkeypatch)
    beta = tmp_path / "schemes" / "2019-20" / "midlands" / "beta.yaml"
    beta.write_text(beta.read_text(encoding="utf-8").replace('value: "90%"', 'value: "95%"'), encoding="utf-8")
    result = build_site(options(tmp_path))
    assert sorted(made) == ["2019-20/london/alpha", "2019-20/london/gone", "2019-20/midlands/beta"]
    assert [n for n in result.notices if "2019-20" in n and "made afresh" in n]
    build_site(BuildOptions(tmp_path / "schemes", tmp_path / "content", tmp_path / "uncached",
                            default_templates_dir(), cache_dir=None))
    assert downloads(tmp_path) == {n: (tmp_path / "uncached/downloads" / n).read_bytes() for n in downloads(tmp_path)}
