"""The bundled library is the product's first impression: it must build cleanly and cover the ground."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO
from cquinlib.commands.cli import main
from cquinlib.format.spec import PROVIDER_TYPES
from cquinlib.library.validate import load_library
from helpers import broken_links


@pytest.fixture(scope="module")
def bundled_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled library built under --strict into a temporary folder."""
    out = tmp_path_factory.mktemp("bundled") / "site"
    code = main(["build", "--strict", "--schemes", str(REPO / "schemes"), "--content", str(REPO / "content"),
                 "--out", str(out)])
    assert code == 0
    return out


def test_bundled_library_has_no_problems_even_strict() -> None:
    """No errors and no warnings in the bundled library."""
    _, diagnostics = load_library(REPO / "schemes")
    assert [d.format() for d in diagnostics] == []


def test_bundled_library_coverage() -> None:
    """At least 40 schemes, 8 years from 2008/09 to 2024/25, 6 regions, every provider type, real and illustrative."""
    library, _ = load_library(REPO / "schemes")
    schemes = library.schemes
    assert len(schemes) >= 40
    years = {s.year for s in schemes}
    assert len(years) >= 8 and min(years) == "2008-09" and max(years) == "2024-25"
    assert len({s.region for s in schemes}) >= 6
    assert set(PROVIDER_TYPES) <= {s.provider_type for s in schemes}
    real = [s for s in schemes if not s.illustrative]
    assert real and all(s.source for s in real)
    assert any(s.illustrative for s in schemes)
    assert all(y.national_goals for y in library.years if y.slug in ("2010-11", "2012-13", "2019-20", "2023-24"))
    topics = {t.slug for t in library.topics}
    assert all(g.topics and set(g.topics) <= topics for s in schemes for g in s.goals)


def test_bundled_site_links_resolve(bundled_site: Path) -> None:
    """Every internal link of the built bundled site resolves."""
    assert broken_links(bundled_site) == []


def test_bundled_site_publishes_template_and_schema(bundled_site: Path) -> None:
    """The contributor's template and the JSON Schema are published."""
    import json

    import yaml

    template = yaml.safe_load((bundled_site / "scheme-template.yaml").read_text(encoding="utf-8"))
    assert isinstance(template, dict) and "goals" in template
    schema = json.loads((bundled_site / "scheme-format.schema.json").read_text(encoding="utf-8"))
    assert schema["required"] == ["provider", "commissioners", "goals"]
    assert "domain" in schema["properties"]["goals"]["items"]["properties"]
