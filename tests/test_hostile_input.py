"""Hostile input: bounded work for any text, no silent YAML 1.1 readings, no control characters, diagnostics one
line each, every rendering failure a diagnostic (in build and in serve), and heading ids unique on a page.

Each test builds a good library first, then makes it hostile and builds again through the command line: the
build fails with exit 1, prints one line per problem naming file, line, column and field, and leaves the site
exactly as it was.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conftest import REGIONS, SCHEME, TOPICS, YEAR_2010, YEAR_2019, write_content, write_library
from cquinlib.build.options import BuildOptions
from cquinlib.core.diagnostics import Diagnostic
from cquinlib.format.spec import MAX_MARKDOWN
from cquinlib.site.markup import MarkdownRenderer, MarkupError
from helpers import build, page, snapshot

EXAMPLE = "2010-11/london/example"
# What a diagnostic line is: path:line:column: field: message (the field is optional).
DIAGNOSTIC = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): (?:(?P<field>[^ :]+): )?(?P<message>.+)$")
# No control character but the line feed ending each line may reach the terminal.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def edit(text: str, old: str, new: str) -> str:
    """Replace old by new, insisting that old occurs exactly once."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def where(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the first occurrence of needle in text."""
    start = text.index(needle)
    return text.count("\n", 0, start) + 1, start - (text.rfind("\n", 0, start) + 1) + 1


def built(root: Path, schemes: dict[str, str] | None = None, **kwargs: Any) -> Path:
    """Write a library (the default good one unless told) and its content, build it, and return the site."""
    write_library(root, schemes, **kwargs)
    write_content(root)
    assert build(root) == 0
    return root / "site"


def write_scheme(root: Path, text: str, scheme_id: str = EXAMPLE) -> Path:
    """Write one scheme's text as it is (no dedent: hostile text may hold anything)."""
    path = root / "schemes" / f"{scheme_id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def failed_lines(root: Path, capsys: pytest.CaptureFixture[str]) -> list[re.Match[str]]:
    """Build root's (hostile) library: it fails, leaves the site as it was, prints nothing raw, and prints one
    diagnostic line per problem and a summary; the diagnostic lines, parsed."""
    before = snapshot(root / "site")
    capsys.readouterr()
    assert build(root) == 1
    err = capsys.readouterr().err
    assert snapshot(root / "site") == before
    assert not RAW_CONTROL.search(err), repr(err)
    assert "Traceback" not in err
    *lines, last = err.splitlines()
    assert "was not changed" in last
    parsed = [DIAGNOSTIC.match(line) for line in lines]
    assert all(parsed), err
    counts = re.match(r"(\d+) errors?, (\d+) warnings?", last)
    assert counts and int(counts[1]) + int(counts[2]) == len(lines), err
    return [m for m in parsed if m]


def one_at(lines: list[re.Match[str]], path: Path, position: tuple[int, int], field: str,
           *parts: str) -> re.Match[str]:
    """The one diagnostic line about field, at this file, line and column, saying every part."""
    found = [m for m in lines if m["field"] == field]
    assert len(found) == 1, [m.group(0) for m in lines]
    match = found[0]
    assert Path(match["path"]).resolve() == path.resolve(), match.group(0)
    assert (int(match["line"]), int(match["column"])) == position, match.group(0)
    for part in parts:
        assert part in match["message"], match.group(0)
    return match


# --------------------------------------------------------------------------- bounded work


def render_seconds(renderer: MarkdownRenderer, text: str) -> float:
    """How much processor time one text takes to render, the best of five: this process's own time, so that other
    work on a busy machine (a CI runner's neighbours) does not count, and one slow moment neither."""
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        renderer(text)
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize("unit", ["[", "![", "[a](", "`a` ", "**a ", "# h\n", "*a **b ", "a*b ", "\\", "<!-- "])
def test_markdown_rendering_time_grows_in_proportion_to_the_text(unit: str) -> None:
    """Text made to be slow (each of these was quadratic or worse in python-markdown: `[` took 5 s at 8,000
    characters) renders 4 times as long in about 4 times the time, and 100,000 characters well inside a second."""
    renderer = MarkdownRenderer()
    long = unit * (100_000 // len(unit))
    short = long[: len(long) // 4]
    short_time, long_time = render_seconds(renderer, short), render_seconds(renderer, long)
    assert long_time < 1.0
    assert long_time < 8 * short_time + 0.02, (short_time, long_time)


def test_a_text_of_ampersands_renders_inside_a_second_at_the_longest_allowed() -> None:
    """Ampersands are the one unit that grows faster than the text: nh3's parser takes about 8 to 10 times as
    long for 4 times as many in one run of text (measured 0.03 s at 25,000 and 0.2-0.4 s at 100,000), so what
    bounds it is the length limit: the longest text allowed renders inside a second, and a longer one is refused
    before any parsing."""
    renderer = MarkdownRenderer()
    assert render_seconds(renderer, "&" * MAX_MARKDOWN) < 1.0
    assert render_seconds(renderer, "a & " * (MAX_MARKDOWN // 4)) < 1.0
    started = time.process_time()
    with pytest.raises(MarkupError, match="at most"):
        renderer("&" * (MAX_MARKDOWN + 1))
    assert time.process_time() - started < 0.01


def test_a_summary_of_repeated_tags_fails_at_once_and_a_long_one_renders(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """93 KiB of `<a ` (114 s in python-markdown) is refused at once as holding too many HTML tags; 93 KiB of
    `[` builds, quickly, and shows on the page."""
    built(tmp_path)
    hostile = edit(SCHEME, "  A *worked* example.", "  " + "<a " * 31_000)
    write_scheme(tmp_path, hostile)
    started = time.perf_counter()
    lines = failed_lines(tmp_path, capsys)
    assert time.perf_counter() - started < 10
    one_at(lines, tmp_path / "schemes" / f"{EXAMPLE}.yaml", where(hostile, "|\n  <a"), "summary",
           "31000 HTML tags", "at most 1000")
    write_scheme(tmp_path, edit(SCHEME, "  A *worked* example.", "  " + "[" * 95_000))
    started = time.perf_counter()
    assert build(tmp_path) == 0
    assert time.perf_counter() - started < 10
    assert "[" * 95_000 in page(tmp_path / "site", "/schemes/2010-11/london/example/").get_text()


def test_deeply_nested_markdown_is_an_error_naming_the_field(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A list nested 300 deep (RecursionError in python-markdown) and a block quote 300 deep are errors that say
    what the limit is; so is a summary past 100,000 characters."""
    built(tmp_path)
    nested = "".join("  " * depth + "- x\n" for depth in range(300)).replace("\n", "\n  ")
    hostile = edit(SCHEME, "  A *worked* example.", "  " + nested)
    quoted = "    description: \"" + "> " * 300 + "x\"\n"
    hostile = edit(hostile, "    name: Fewer falls\n", "    name: Fewer falls\n" + quoted)
    hostile = edit(hostile, "        weight: 60\n", "        weight: 60\n        description: |\n          "
                   + "word " * 25_000 + "\n")
    write_scheme(tmp_path, hostile)
    lines = failed_lines(tmp_path, capsys)
    src = tmp_path / "schemes" / f"{EXAMPLE}.yaml"
    one_at(lines, src, where(hostile, "|\n  - x"), "summary", "nest 300 levels deep", "at most 20")
    one_at(lines, src, where(hostile, '"> > '), "goals[1].description", "nest 300 levels deep")
    one_at(lines, src, where(hostile, "|\n          word"), "goals[0].indicators[0].description",
           "at most 100000 characters", "this one has 125001")
    assert len(lines) == 3


def test_deeply_nested_yaml_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Lists nested 100,000 deep in a YAML file are an error at the place they pass the limit, not a crash."""
    built(tmp_path)
    hostile = SCHEME + "attachments: " + "[" * 100_000 + "]" * 100_000 + "\n"
    write_scheme(tmp_path, hostile)
    lines = failed_lines(tmp_path, capsys)
    assert len(lines) == 1 and "nest more than 64 levels" in lines[0]["message"], lines[0].group(0)
    assert int(lines[0]["line"]) == hostile.count("\n")


def test_numbers_too_large_or_not_finite_are_errors_at_validation(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """1.7e+308 pounds (an OverflowError while rendering), .inf, .nan and a weight of 1e400 are each an error
    naming its field, all reported at once."""
    built(tmp_path)
    hostile = edit(SCHEME, "contract_value: 100000000", "contract_value: 1.7e+308\ncquin_percent: .inf")
    hostile = edit(hostile, "    weight: 40\n", "    weight: .nan\n")
    hostile = edit(hostile, "        weight: 60\n", "        weight: 1e400\n")
    hostile = edit(hostile, "payment: 25}", "payment: 1e300}")
    write_scheme(tmp_path, hostile)
    lines = failed_lines(tmp_path, capsys)
    src = tmp_path / "schemes" / f"{EXAMPLE}.yaml"
    one_at(lines, src, where(hostile, "1.7e+308"), "contract_value", "1.7e+308 is over 1,000,000,000,000")
    one_at(lines, src, where(hostile, ".inf"), "cquin_percent", ".inf is not a usable number")
    one_at(lines, src, where(hostile, ".nan"), "goals[1].weight", ".nan is not a usable number")
    one_at(lines, src, where(hostile, "1e400"), "goals[0].indicators[0].weight", "1e400 is not a usable number")
    one_at(lines, src, where(hostile, "1e300"), "goals[0].indicators[0].milestones[0].payment", "1e300 is over 100")


def test_long_names_and_slugs_are_errors_not_long_file_names(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """A provider name, a topic slug, a region slug and a year's label of 300 characters (`File name too long`
    when a provider's) are each an error saying what the limit is."""
    built(tmp_path)
    name, slug = "N" * 300, "r" * 200  # a longer folder name is more than the test's own filesystem takes
    hostile = edit(SCHEME, "  name: Example Hospitals NHS Foundation Trust", f"  name: {name}")
    write_library(tmp_path, {EXAMPLE: hostile, f"2010-11/{slug}/other": SCHEME},
                  regions=REGIONS + f"{slug}:\n  name: Long\n", topics=TOPICS + f"{'t' * 300}:\n  name: Long\n",
                  years={"2010-11": YEAR_2010.replace('label: "2010/11"', f"label: {'L' * 300}"),
                         "2019-20": YEAR_2019})
    lines = failed_lines(tmp_path, capsys)
    lib = tmp_path / "schemes"
    one_at(lines, lib / f"{EXAMPLE}.yaml", where(hostile, name), "provider.name",
           "a name may be at most 200 characters; this one has 300")
    one_at(lines, lib / "_regions.yaml", (len(REGIONS.splitlines()) + 1, 1), slug, "a slug may be at most 80",
           "has 200")
    one_at(lines, lib / "_topics.yaml", (len(TOPICS.splitlines()) + 1, 1), "t" * 200 + "…",  # a long field is cut
           "a slug may be at most 80")
    one_at(lines, lib / "2010-11" / "_year.yaml", (1, 8), "label", "a name may be at most 200")
    assert not any("too long" in m.group(0).lower() and "File name" in m.group(0) for m in lines)


# --------------------------------------------------------------------------- YAML 1.1 readings


def test_yaml11_readings_keep_the_text_written_in_text_fields(tmp_path: Path) -> None:
    """1:30, 0777, 010, yes, off, 1.50 and +5 where text is expected show exactly as written (YAML 1.1 would
    make them 90, 511, 8, true, false, 1.5 and 5); `on:` as a key is the key 'on'."""
    text = edit(SCHEME, "  code: RX1", "  code: 0777")
    text = edit(text, '{period: "Q4 2009/10", value: "76%"}', "{period: 1:30, value: 010}")
    text = edit(text, '{period: "Q4 2010/11", value: "90%"}', "{period: yes, value: 1.50}")
    text = edit(text, '{period: Q2, value: "80%", payment: 25}', "{period: off, value: +5, payment: 25}")
    text = edit(text, "    name: Fewer falls", "    name: No")
    site = built(tmp_path, {EXAMPLE: text}, regions=REGIONS + "on:\n  name: Ontario\n")
    shown = " ".join(page(site, "/schemes/2010-11/london/example/").get_text(" ").split())
    for written in ("(0777)", "010 (1:30)", "1.50 (yes)", "Goal 2: No"):
        assert written in shown, written
    cells = [td.get_text() for td in page(site, "/schemes/2010-11/london/example/").select("table.milestones td")]
    assert cells[:2] == ["off", "+5"]
    assert page(site, "/regions/on/").h1.get_text(strip=True) == "Ontario"


def test_yaml11_readings_where_a_number_date_or_boolean_is_expected_say_what_was_found(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Where a number is expected, 1:30, 010 and 1_000 are reported with what YAML 1.1 would make of them and
    what to write; so is yes where true or false is expected; a date and time where a date is expected says so
    (not "expected a date, got a date")."""
    built(tmp_path)
    hostile = edit(SCHEME, "contract_value: 100000000", "contract_value: 1:30\ncquin_percent: 010\n"
                                                         "illustrative: yes")
    hostile = edit(hostile, "submitted: 2010-06-14", "submitted: 2010-06-14 09:30:00")
    hostile = edit(hostile, "    weight: 40\n", "    weight: 1_000\n")
    write_scheme(tmp_path, hostile)
    lines = failed_lines(tmp_path, capsys)
    src = tmp_path / "schemes" / f"{EXAMPLE}.yaml"
    one_at(lines, src, where(hostile, "1:30"), "contract_value", "expected a number, got text '1:30'", "base 60")
    one_at(lines, src, where(hostile, "010\n"), "cquin_percent", "expected a number, got text '010'", "octal",
           "e.g. 10")
    one_at(lines, src, where(hostile, "yes"), "illustrative", "expected true or false, got text 'yes': write true")
    one_at(lines, src, where(hostile, "2010-06-14 09"), "submitted", "expected a date as YYYY-MM-DD, got a date and "
           "time, '2010-06-14 09:30:00': give the date alone, 2010-06-14")
    one_at(lines, src, where(hostile, "1_000"), "goals[1].weight", "got text '1_000'", "without commas, underscores")


def test_numbers_in_exponent_form_are_numbers(tmp_path: Path) -> None:
    """1.5e8 is a number (it was text to YAML 1.1)."""
    text = edit(SCHEME, "contract_value: 100000000", "contract_value: 1.5e8")
    site = built(tmp_path, {EXAMPLE: text})
    assert "£150,000,000" in page(site, "/schemes/2010-11/london/example/").get_text()


# --------------------------------------------------------------------------- control characters, one line each


def test_control_characters_are_errors_at_their_line_and_column(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A NUL (once reported at 1:1 on two lines), a terminal escape written raw and as a YAML escape, and a
    right-to-left override are each an error at its own line and column, in its field."""
    built(tmp_path)
    hostile = edit(SCHEME, "  name: Example Hospitals NHS Foundation Trust", "  name: Example\x00Hospitals")
    hostile = edit(hostile, "  A *worked* example.", "  A \x1b[31mred\x1b[0m example.")
    hostile = edit(hostile, "    name: Fewer falls", '    name: "Fewer \\e[2J falls"\n    description: Pay \u202eevil')
    write_scheme(tmp_path, hostile)
    lines = failed_lines(tmp_path, capsys)
    src = tmp_path / "schemes" / f"{EXAMPLE}.yaml"
    # Raw characters stop the file before it is parsed, so the escaped one is found once they are gone.
    one_at(lines, src, where(hostile, "\x00"), "provider.name", "U+0000 (NUL) is not allowed")
    raw_esc = [m for m in lines if m["field"] == "summary"]
    assert [(int(m["line"]), int(m["column"])) for m in raw_esc] == [where(hostile, "\x1b[31m"),
                                                                      where(hostile, "\x1b[0m")]
    one_at(lines, src, where(hostile, "\u202e"), "goals[1].description", "RIGHT-TO-LEFT OVERRIDE")
    write_scheme(tmp_path, hostile.replace("\x00", " ").replace("\x1b", "").replace("\u202e", ""))
    lines = failed_lines(tmp_path, capsys)
    one_at(lines, src, where(hostile, "\\e[2J"), "goals[1].name", "U+001B (ESC), written as an escape")


def test_a_key_cannot_forge_a_diagnostic_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A key holding a line break and `path:1:1:` prints as one escaped line: no line of the output is forged."""
    built(tmp_path)
    forged = f"schemes/{EXAMPLE}.yaml:1:1: title: all is well"
    hostile = SCHEME + f'"x\\n{forged}": 1\n'
    write_scheme(tmp_path, hostile)
    lines = failed_lines(tmp_path, capsys)
    assert len(lines) == 1
    assert "\\n" + forged in lines[0].group(0)
    assert "U+000A (LF), written as an escape, is not allowed in a key" in lines[0].group(0)


def test_diagnostics_escape_every_control_character() -> None:
    """Whatever a diagnostic holds, it formats as one line with no control character raw."""
    hostile = "a\nb\rc\x1b[2Jd\x00e\u202ef\x85g\u2028h\ti"
    line = Diagnostic(Path(f"schemes/{hostile}.yaml"), 3, 4, hostile, hostile).format()
    assert "\n" not in line and not RAW_CONTROL.search(line)
    assert "a\\nb\\rc\\x1b[2Jd\\x00e\\u202ef\\x85g\\u2028h\\ti" in line
    long = Diagnostic(Path("schemes/x.yaml"), 1, 1, "f", "m" * 100_000).format()
    assert len(long) < 1100 and long.endswith("…")


def test_escape_sequences_never_reach_a_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A content page (Markdown, not YAML) whose text holds a terminal escape is refused with its file named,
    rather than published with the escape in it."""
    built(tmp_path)
    (tmp_path / "content" / "about.md").write_text("---\ntitle: About\n---\nHello \x1b[31mred\x1b[0m.\n",
                                                   encoding="utf-8")
    lines = failed_lines(tmp_path, capsys)
    assert lines and all(Path(m["path"]).name == "about.md" for m in lines), [m.group(0) for m in lines]
    assert (int(lines[0]["line"]), int(lines[0]["column"])) == (4, 7), lines[0].group(0)
    assert "U+001B (ESC)" in lines[0]["message"]


# --------------------------------------------------------------------------- rendering failures


def test_a_rendering_failure_is_a_diagnostic_naming_the_page_and_line(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """A content page nested too deeply to render is a diagnostic naming the page's file and the line the text
    starts on, never a traceback."""
    built(tmp_path)
    body = "Intro.\n\n" + "> " * 300 + "deep\n"
    (tmp_path / "content" / "about.md").write_text("---\ntitle: About\nnav: 1\n---\n" + body, encoding="utf-8")
    lines = failed_lines(tmp_path, capsys)
    assert len(lines) == 1
    line = lines[0]
    assert Path(line["path"]).name == "about.md" and int(line["line"]) == 5, line.group(0)
    assert "nest 300 levels deep" in line["message"] and "/about/" in line["message"], line.group(0)


def test_the_dev_server_shows_a_rendering_failure_and_an_unexpected_one(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """In serve, the open page becomes the error page, naming the file (it kept showing the old page); a failure
    the build did not foresee is shown too, rather than stopping the rebuilds."""
    from cquinlib.commands import serve

    built(tmp_path)
    options = serve.serve_options(BuildOptions(tmp_path / "schemes", tmp_path / "content", tmp_path / "served",
                                               cache_dir=tmp_path / ".cache"))
    logged: list[str] = []
    state = serve.DevState(options, log=logged.append)
    state.rebuild()
    assert state.problems == ()
    (tmp_path / "content" / "about.md").write_text("---\ntitle: About\n---\n" + "> " * 300 + "x\n",
                                                   encoding="utf-8")
    assert state.rebuild() is True
    app = serve.make_app(state)
    statuses: list[str] = []
    body = b"".join(app({"PATH_INFO": "/about/"}, lambda status, headers: statuses.append(status)))
    assert statuses == ["500 Build failed"]
    assert b"about.md:4:1" in body and b"nest 300 levels deep" in body

    def broken(*args: Any, **kwargs: Any) -> None:
        """A build that fails in a way nothing foresaw."""
        raise OverflowError("cannot convert float infinity to integer \x1b[2J")

    monkeypatch.setattr(serve, "build_site", broken)
    assert state.rebuild() is True
    body = b"".join(app({"PATH_INFO": "/"}, lambda status, headers: statuses.append(status)))
    assert b"the build stopped: OverflowError" in body and b"\x1b" not in body
    assert not any(RAW_CONTROL.search(line) for line in logged)


# --------------------------------------------------------------------------- heading ids


def test_headings_in_contributed_text_give_unique_ids_apart_from_the_pages_own(tmp_path: Path) -> None:
    """Summaries and descriptions that repeat a heading, or use the page's own section names, give ids unique on
    the page, none of them one of the template's own."""
    text = edit(SCHEME, "  A *worked* example.", "  ## Goals\n\n  ## Background\n\n  <h2 id=\"summary\">Raw</h2>")
    text = edit(text, "    name: Fewer falls\n", "    name: Fewer falls\n    description: \"## Background\\n\\n"
                "## Background\"\n")
    text = edit(text, "        weight: 60\n", "        weight: 60\n        description: \"# Summary\"\n")
    site = built(tmp_path, {EXAMPLE: text})
    soup = page(site, "/schemes/2010-11/london/example/")
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    own = [i for i in ids if i.startswith("section-")]
    assert sorted(own) == ["section-background", "section-background-2", "section-background-3",
                           "section-goals", "section-summary"]
    assert {"summary", "goals"} <= set(ids)
    assert soup.find("h5", string="Summary") is not None  # an indicator's heading, too deep for an id


def test_the_fast_check_of_a_page_finds_what_the_pattern_finds() -> None:
    """The rendered-page check (bytes, printable ASCII deleted first) agrees with FORBIDDEN on random text of
    every kind of character: ASCII, line ends, controls, C1, bidi controls, BOMs, other scripts, emoji."""
    import random

    from cquinlib.core.controls import FORBIDDEN, utf8_has_forbidden

    pieces = ["a", " ", "\n", "\t", "£", "’", "\r\n", "\r", "\x1b", "\x85", "\u202e", "\ufeff", "日", "\x7f",
              "é", "\u2028", "\x00", "\U0001F600", "\u2066", "\ufffe"]
    rng = random.Random(7)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert utf8_has_forbidden(text.encode("utf-8")) == (FORBIDDEN.search(text) is not None), repr(text)
