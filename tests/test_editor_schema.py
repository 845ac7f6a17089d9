"""The JSON Schemas editors use: every field described, this library's names as lists, and check-jsonschema, the
tool an editor would run, accepting every bundled scheme and refusing the usual mistakes as `check` does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import REPO, SCHEME, write_content, write_library
from cquinlib.commands.cli import main
from cquinlib.format.jsonschema import scheme_json_schema
from cquinlib.format.spec import SCHEME as SCHEME_SHAPE, Mapping
from helpers import build

pytest.importorskip("check_jsonschema", reason="check-jsonschema is not installed: pip install -e '.[test]'")

BUNDLED = sorted(p for p in (REPO / "schemes").glob("*/*/*.yaml"))
# Mistakes contributors make, each as an edit of the test library's scheme; the last item says whether the generic
# schema (which knows no library's names) refuses it too.
MISTAKES = {
    "unknown topic": ("    topics: [falls]\n", "    topics: [fall]\n", False),
    "unknown national goal": ("    national: vte\n", "    national: vtee\n", False),
    "weight as text": ("    weight: 40\n", "    weight: forty\n", True),
    "goal without a name": ("    name: Fewer falls\n", "", True),
    "provider without a name": ("  name: Example Hospitals NHS Foundation Trust\n", "", True),
    "wrong provider type": ("  type: acute\n", "  type: hospital\n", True),
    "a region written in the file": ("submitted: 2010-06-14\n", "submitted: 2010-06-14\nregion: londn\n", True),
    "a date that is not a date": ("submitted: 2010-06-14\n", "submitted: 14/06/2010\n", True),
}


def check_jsonschema(schema: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    """Run check-jsonschema as an editor's CI would, without touching the network."""
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--schemafile", str(schema), *map(str, files)],
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def bundled_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled library built once."""
    out = tmp_path_factory.mktemp("schema") / "site"
    assert main(["build", "--schemes", str(REPO / "schemes"), "--content", str(REPO / "content"),
                 "--out", str(out), "--cache", str(out.parent / "cache")]) == 0
    return out


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test library built once: its root holds schemes/, content/ and site/."""
    root = tmp_path_factory.mktemp("small")
    write_library(root)
    write_content(root)
    assert build(root) == 0
    return root


def properties(schema: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property of a schema, at every depth, with its dotted path."""
    for name, sub in schema.get("properties", {}).items():
        yield f"{path}.{name}", sub
        yield from properties(sub, f"{path}.{name}")
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from properties(schema[key], path + "[]")
    for option in schema.get("anyOf", []):
        yield from properties(option, path)


def declared_keys(shape: Any, path: str = "") -> Iterator[str]:
    """Every key the validator's declaration allows, with its dotted path, as properties() names them."""
    if isinstance(shape, Mapping):
        for f in shape.fields:
            yield f"{path}.{f.name}"
            yield from declared_keys(f.shape, f"{path}.{f.name}")
    elif hasattr(shape, "item"):
        yield from declared_keys(shape.item, path + "[]")
    elif hasattr(shape, "options"):
        for option in shape.options:
            yield from declared_keys(option, path)


def test_every_field_of_both_schemas_is_described_and_they_follow_the_declaration(bundled_site: Path) -> None:
    """Both schemas have one described property for each key the validator's declaration allows, no more."""
    generic = json.loads((bundled_site / "scheme-format.schema.json").read_text(encoding="utf-8"))
    own = json.loads((bundled_site / "schema/library.schema.json").read_text(encoding="utf-8"))
    assert generic == scheme_json_schema()
    for schema in (generic, own):
        found = dict(properties(schema))
        assert sorted(found) == sorted(declared_keys(SCHEME_SHAPE))
        assert [path for path, sub in found.items() if not sub.get("description")] == []
    assert ".added" in dict(properties(generic)) and ".goals[].indicators[].payment_scale.min" in dict(properties(own))


def test_the_library_schema_lists_this_librarys_names(small_site: Path) -> None:
    """Topics, national goal ids, provider types, regions and open years are enums from this library, each
    choice described by its name."""
    own = json.loads((small_site / "site/schema/library.schema.json").read_text(encoding="utf-8"))
    defs = own["$defs"]
    assert defs["topic"]["enum"] == ["falls", "flu", "vte"]
    assert defs["topic"]["enumDescriptions"][2] == "Venous thromboembolism (VTE)"
    assert defs["national_goal"]["enum"] == ["flu", "patient-experience", "vte"]
    assert defs["national_goal"]["enumDescriptions"][2] == "VTE risk assessment (2010/11)"
    assert defs["region"]["enum"] == ["east-of-england", "london", "midlands", "south-central"]
    assert defs["year"]["enum"] == ["2010-11", "2019-20"]
    assert "acute" in defs["provider_type"]["enum"]
    goal = own["properties"]["goals"]["items"]["properties"]
    assert goal["topics"]["items"] == {"$ref": "#/$defs/topic"}
    assert goal["national"]["$ref"] == "#/$defs/national_goal" and goal["national"]["description"]


def test_every_bundled_scheme_passes_both_schemas(bundled_site: Path) -> None:
    """check-jsonschema accepts all the bundled schemes, real and illustrative, against either schema."""
    assert len(BUNDLED) > 40
    for schema in (bundled_site / "scheme-format.schema.json", bundled_site / "schema/library.schema.json"):
        run = check_jsonschema(schema, *BUNDLED)
        assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_typical_mistakes_are_refused_by_the_schema_and_by_check(small_site: Path, tmp_path: Path,
                                                                 mistake: str) -> None:
    """The library's schema refuses each mistake (the generic one too, unless it needs the library's names), and
    `check` refuses the same file: the schema and the validator come from one declaration."""
    old, new, generic_refuses = MISTAKES[mistake]
    assert old in SCHEME
    text = SCHEME.replace(old, new, 1)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(text, encoding="utf-8")
    own = check_jsonschema(small_site / "site/schema/library.schema.json", wrong)
    assert own.returncode == 1 and "wrong.yaml" in own.stdout, own.stdout + own.stderr
    generic = check_jsonschema(small_site / "site/scheme-format.schema.json", wrong)
    assert (generic.returncode == 1) is generic_refuses, generic.stdout
    write_library(tmp_path, {"2010-11/london/example": text})
    assert main(["check", "--schemes", str(tmp_path / "schemes")]) == 1


def test_a_wrong_region_slug_is_refused_where_a_tool_names_one(small_site: Path, tmp_path: Path) -> None:
    """A scheme's region is its folder, so tools that name one (a path, an import's --region) check it against the
    schema's region list: a misspelt slug is refused, a listed one accepted."""
    schema = small_site / "site/schema/library.schema.json"
    wrapper = tmp_path / "region.schema.json"
    wrapper.write_text(json.dumps({"$ref": schema.as_uri() + "#/$defs/region"}), encoding="utf-8")
    (tmp_path / "wrong.json").write_text('"londn"', encoding="utf-8")
    (tmp_path / "right.json").write_text('"london"', encoding="utf-8")
    assert check_jsonschema(wrapper, tmp_path / "right.json").returncode == 0
    run = check_jsonschema(wrapper, tmp_path / "wrong.json")
    assert run.returncode == 1 and "'londn' is not one of" in run.stdout


def test_a_scheme_without_a_title_is_accepted_by_both_as_the_format_allows(small_site: Path, tmp_path: Path) -> None:
    """The format makes title optional (it is made from the provider and year), and the schemas agree with check:
    what check accepts, the schemas accept."""
    text = SCHEME.replace("title: Example acute scheme 2010/11\n", "", 1)
    plain = tmp_path / "untitled.yaml"
    plain.write_text(text, encoding="utf-8")
    for schema in ("site/scheme-format.schema.json", "site/schema/library.schema.json"):
        assert check_jsonschema(small_site / schema, plain).returncode == 0
    write_library(tmp_path, {"2010-11/london/example": text})
    assert main(["check", "--schemes", str(tmp_path / "schemes")]) == 0


def test_the_guidance_page_shows_the_schema_line_for_each_editor(bundled_site: Path) -> None:
    """The editors' guidance is published, names each editor and the modeline, and is linked from the format
    page and the guidance index."""
    text = (bundled_site / "guidance/editor-schema/index.html").read_text(encoding="utf-8")
    for words in ("VS Code", "JetBrains", "Neovim", "Vim", "# yaml-language-server: $schema=", "yaml.schemas",
                  "/schema/library.schema.json"):
        assert words in text
    for page in ("guidance/format/index.html", "guidance/index.html"):
        assert 'href="/guidance/editor-schema/"' in (bundled_site / page).read_text(encoding="utf-8")



def as_draft_7(schema: Path, folder: Path) -> Path:
    """A copy of a schema that says it is JSON Schema draft 7."""
    data = json.loads(schema.read_text(encoding="utf-8"))
    data["$schema"] = "http://json-schema.org/draft-07/schema#"
    copy = folder / f"draft7-{schema.name}"
    copy.write_text(json.dumps(data), encoding="utf-8")
    return copy


def test_an_editor_that_knows_only_draft_7_checks_the_same(bundled_site: Path, small_site: Path,
                                                            tmp_path: Path) -> None:
    """Read as JSON Schema draft 7 (what many editors' servers know), the library's schema still accepts every
    bundled scheme and refuses each mistake: it uses nothing that only 2020-12 has."""
    assert check_jsonschema(as_draft_7(bundled_site / "schema/library.schema.json", tmp_path), *BUNDLED).returncode == 0
    draft7 = as_draft_7(small_site / "site/schema/library.schema.json", tmp_path)
    for mistake, (old, new, _) in sorted(MISTAKES.items()):
        wrong = tmp_path / f"{mistake.replace(' ', '-')}.yaml"
        wrong.write_text(SCHEME.replace(old, new, 1), encoding="utf-8")
        assert check_jsonschema(draft7, wrong).returncode == 1, mistake
