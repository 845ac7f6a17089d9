"""The YAML an import writes reads back as exactly its data, whatever the text holds, and reads as a person
writes it: plain where plain is safe, quoted where not, paragraphs as literal blocks."""

from __future__ import annotations

import datetime as dt

import pytest

from cquinlib.exchange.yamlwrite import dump
from cquinlib.format.spec import SCHEME
from cquinlib.format.yamlio import parse_yaml_text

TRICKY = ["1", "1.1", "0777", "010", "yes", "no", "on", "off", "null", "~", "true", "1e3", "2019-05-14", "1:30",
          "a: b", "a #b", "#a", "- a", "? a", "[a]", "{a}", "'quoted'", '"double"', "%", "@a", "`a`", "&a", "*a",
          "!a", "|a", ">a", " lead", "trail ", "", "tab\there", "£1,200", "76%", "Q4 2009/10", "naïve café", "日本",
          "a\nb", "a\nb\n", "a\nb\n\n", "\nleading break", " indented\nfirst", "a\n  \nb", "last line  \n",
          "ends with colon:", "=SUM(A1)", "back\\slash", "x" * 300]


@pytest.mark.parametrize("text", TRICKY)
def test_any_text_reads_back_as_itself(text: str) -> None:
    data = {"title": text, "provider": {"name": text, "type": "acute"}, "commissioners": [text, {"name": text}],
            "goals": [{"number": text, "name": text, "topics": [text], "description": text,
                       "indicators": [{"number": "1.1", "name": "x", "baseline": {"period": text, "value": text},
                                       "milestones": [{"period": text, "payment": 25}]}]}]}
    assert parse_yaml_text(dump(data, SCHEME))[0] == data


def test_it_reads_as_a_person_writes_it() -> None:
    data = {"provider": {"name": "Fenmouth NHS Trust", "type": "acute"}, "commissioners": ["NHS Fenmouth"],
            "submitted": dt.date(2019, 5, 14), "contract_value": 120000000, "cquin_percent": 1.25,
            "summary": "One paragraph.\n\nAnother.\n",
            "goals": [{"number": "1", "name": "Fewer falls", "weight": 100, "topics": ["falls", "vte"],
                       "indicators": [{"number": "1.1", "name": "Falls", "target": {"period": "Q4", "value": "90%"}}]}]}
    text = dump(data, SCHEME, ["A header"], {"goals": ["The goals."]})
    assert text == """# A header

provider:
  name: Fenmouth NHS Trust
  type: acute
commissioners:
  - NHS Fenmouth
submitted: 2019-05-14
contract_value: 120000000
cquin_percent: 1.25
summary: |
  One paragraph.

  Another.

# The goals.
goals:
  - number: "1"
    name: Fewer falls
    weight: 100
    topics: [falls, vte]
    indicators:
      - number: "1.1"
        name: Falls
        target: {period: Q4, value: 90%}
"""
