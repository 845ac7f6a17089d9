"""Markdown rendering: the plain-paragraph fast path gives exactly what the full parser and sanitiser give."""

from __future__ import annotations

import random

import pytest

from cquinlib.site.markup import PLAIN_PARAGRAPH, MarkdownRenderer

SAMPLES = [
    "Reduce avoidable harm from VTE.",
    "Patients \"screened\" within 24 hours, e.g. on admission; staff's records (audit).",
    "Percentage of admissions with a risk assessment: 90% by Q4 2010/11.",
    "Uptake of flu vaccination by frontline clinical staff — 75 per cent.",
    "Café à la carte: naïve coöperation.",
    "Email cquin@example.org or see www.example.org for more.",
    "Score > 3 or < 1",
    "Fish & chips",
    "Use *emphasis* here",
    "1. numbered",
    "- bullet",
    "# heading",
    "line one\nline two",
    "A summary over\nthree lines, as a block\nscalar keeps them.",
    "line one  \nline two",
    "line one\n\nline two",
    "line one\n- bullet",
    "line one\n2. numbered",
    "Heading\n=======",
    "line one\n    indented",
    "tab\tseparated words",
    "a  b",
]


def slow_path(text: str) -> str:
    """What the renderer's full path (cmark-gfm, then nh3) makes of text, whatever shortcut it could take."""
    return str(MarkdownRenderer().render_markdown(text))


@pytest.mark.parametrize("text", [t for t in SAMPLES if not t.startswith("#") and "\n===" not in t])
def test_fast_path_matches_full_rendering(text: str) -> None:
    """Whatever path a text takes, the HTML is what the parser and sanitiser would make (headings aside,
    which the renderer also numbers and gives ids)."""
    assert str(MarkdownRenderer()(text)) == slow_path(text)


def test_fast_path_is_taken_for_plain_lines_only() -> None:
    """Plain sentences, on one line or several, take the fast path; anything with Markdown syntax does not."""
    for text in (SAMPLES[0], SAMPLES[1], "line one\nline two",
                 "A summary over\nthree lines, as a block\nscalar keeps them."):
        assert PLAIN_PARAGRAPH.fullmatch(text), text
    for text in ("Use *emphasis* here", "1. numbered", "- bullet", "# heading", "Fish & chips", "tab\tseparated words",
                 "line one  \nline two", "line one\n\nline two", "line one\n- bullet", "Heading\n=======",
                 "trailing space ", "line one\n"):
        assert not PLAIN_PARAGRAPH.fullmatch(text), text


def test_fast_path_matches_full_rendering_on_random_text() -> None:
    """Random lines of words, spaces, punctuation and Markdown's own characters: every text the fast path takes
    renders as the parser and sanitiser render it, and the fast path is taken often enough to be tested."""
    rng = random.Random(20261124)
    pieces = ["word", "Care", "2010/11", " ", "  ", "\n", "\n\n", ".", ",", "'", '"', ":", ";", "(", ")", "%", "£",
              "é", "—", "-", "+", "*", "_", "#", ">", "<", "&", "=", "|", "`", "[", "]", "!", "~", "\t", "1.",
              "\\", "\r", "\x00", "\x0c", "\x85", "\u2028", "\u2003", "http://example.org"]
    taken = 0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 14)))
        if PLAIN_PARAGRAPH.fullmatch(text):
            taken += 1
            assert str(MarkdownRenderer()(text)) == slow_path(text), repr(text)
    assert taken > 100
