"""Markdown rendering: the plain-paragraph fast path gives exactly what the full parser and sanitiser give."""

from __future__ import annotations

import markdown
import nh3
import pytest

from cquinlib.markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, PLAIN_PARAGRAPH, URL_SCHEMES, MarkdownRenderer

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
    "tab\tseparated words",
    "a  b",
]


def slow_path(text: str) -> str:
    """What the full Markdown parser and nh3 make of text."""
    html = markdown.markdown(text, extensions=["tables", "sane_lists"])
    return nh3.clean(html, tags=set(ALLOWED_TAGS), attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
                     url_schemes=set(URL_SCHEMES), link_rel="noopener noreferrer")


@pytest.mark.parametrize("text", [t for t in SAMPLES if not t.startswith("#")])
def test_fast_path_matches_full_rendering(text: str) -> None:
    """Whatever path a text takes, the HTML is what the parser and sanitiser would make (headings aside,
    which the renderer also numbers and gives ids)."""
    assert str(MarkdownRenderer()(text)) == slow_path(text)


def test_fast_path_is_taken_for_plain_lines_only() -> None:
    """Plain one-line sentences take the fast path; anything with Markdown syntax does not."""
    assert PLAIN_PARAGRAPH.fullmatch(SAMPLES[0])
    assert PLAIN_PARAGRAPH.fullmatch(SAMPLES[1])
    for text in ("Use *emphasis* here", "1. numbered", "- bullet", "# heading", "line one\nline two", "Fish & chips",
                 "tab\tseparated words"):
        assert not PLAIN_PARAGRAPH.fullmatch(text), text
