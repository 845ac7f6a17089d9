"""A library written to test what search means: inflections, synonyms, abbreviations, typos, regions, fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import YEAR_2010, YEAR_2019, write_content, write_library

REGIONS = """\
london:
  name: London
east-of-england:
  name: East of England
midlands:
  name: Midlands
midlands-and-east:
  name: Midlands and East
"""

TOPICS = """\
flu:
  name: Flu vaccination
  aliases: [flu jab, influenza]
falls:
  name: Falls prevention
vte:
  name: Venous thromboembolism (VTE)
  aliases: [blood clots]
sepsis:
  name: Sepsis
  aliases: [septic]
pressure-ulcers:
  name: Pressure ulcers
  aliases: [pressure sores]
dementia:
  name: Dementia
delirium:
  name: Delirium
tobacco:
  name: Tobacco
  aliases: [smoking]
alcohol:
  name: Alcohol
learning-disability:
  name: Learning disability
  aliases: [LD]
"""

SYNONYMS = """\
- [A&E, emergency department]
- [MH, mental health]
"""


def scheme(title: str, provider: str, kind: str, goals: list[tuple[str, list[str]]], extra: str = "",
           goal_extra: str = "") -> str:
    """A scheme file: a title, a provider of a type, goals with their topics (the first with goal_extra's
    lines), and any extra top-level lines."""
    lines = [f"title: {title}", "provider:", f"  name: {provider}", f"  type: {kind}",
             "commissioners: [NHS Somewhere]", "submitted: 2019-05-01", "goals:"]
    for n, (name, topics) in enumerate(goals, start=1):
        lines += [f'  - number: "{n}"', f'    name: "{name}"', f"    topics: [{', '.join(topics)}]"]
        lines += [f"    {line}" for line in goal_extra.splitlines() if n == 1]
    return "\n".join(lines) + "\n" + extra


SCHEMES = {
    "2019-20/london/thameside": scheme("Thameside acute scheme", "Thameside Hospitals NHS Trust", "acute",
                                       [("Timely treatment of sepsis", ["sepsis"])]),
    "2019-20/midlands/london-road": scheme("London Road community scheme", "London Road Community Hospital",
                                           "community", [("Sepsis screening in community wards", ["sepsis"])]),
    "2019-20/east-of-england/fenland": scheme("Fenland care scheme", "Fenland Care", "mental-health",
                                              [("Dementia assessment on admission", ["dementia"])],
                                              "illustrative: true\n"),
    "2019-20/midlands-and-east/shire": scheme("Shire acute scheme", "Shire Acute Trust", "acute",
                                              [("Delirium screening", ["delirium"])],
                                              "summary: Agreed with NHS England.\n"),
    "2019-20/london/brook": scheme("Brook learning disability scheme", "Brook Services", "learning-disability",
                                   [("Annual health checks for people with a learning disability",
                                     ["learning-disability"]), ("Risk assessment before discharge", [])]),
    "2019-20/london/staff-flu": scheme("Staff health scheme", "Riverside Hospitals", "acute",
                                       [("Staff flu vaccination", ["flu"])],
                                       goal_extra="national: flu\ndomain: safety\n"),
    "2019-20/midlands/fluid": scheme("Fluid scheme", "Meadow Hospitals", "acute",
                                     [("Fluid balance charts kept", [])]),
    "2019-20/london/smoking": scheme("Smoking scheme", "Kingsmere Hospitals", "acute",
                                     [("Smoking cessation for inpatients", ["tobacco"])]),
    "2019-20/london/alcohol": scheme("Alcohol scheme", "Queensway Hospitals", "acute",
                                     [("Alcohol and smoking screening", ["alcohol", "tobacco"])]),
    "2019-20/east-of-england/repeat": scheme("Repeat attenders scheme", "Eastern Ambulance Service", "ambulance",
                                             [("Fewer repeat A&E attendances", [])], "framework: other\n"),
    "2019-20/east-of-england/nhs111": scheme("NHS 111 scheme", "Eastern Urgent Care", "other",
                                             [("111 calls closed with advice", [])]),
    "2019-20/midlands/codes": scheme("Coded goals scheme", "Oakvale Hospitals", "acute",
                                     [("CQUIN01: Antimicrobial resistance", [])]),
    "2019-20/london/waits": scheme("Emergency care scheme", "Northgate Hospitals", "acute",
                                   [("Emergency department waiting times", [])]),
    "2019-20/midlands/vale": scheme("Vale scheme", "Vale Mental Health NHS Trust", "mental-health",
                                    [("Physical health checks for inpatients", [])],
                                    "summary: Care delivered at home.\n"),
    "2019-20/london/kidney": scheme("Kidney scheme", "Linford Hospitals", "acute",
                                    [("Acute kidney injury alerts", [])]),
    "2010-11/london/pressure": scheme("Pressure care scheme", "Castlebrook Community Health", "community",
                                      [("Pressure ulcer prevention", ["pressure-ulcers"])]),
    "2010-11/east-of-england/clots": scheme("Clots scheme", "Fenmouth Hospitals", "acute",
                                            [("VTE risk assessment", ["vte"])]),
}


def write_meaning_library(root: Path) -> Path:
    """Write the library (with _synonyms.yaml) and a content folder under root; return the schemes folder."""
    write_content(root)
    lib = write_library(root, dict(SCHEMES), years={"2010-11": YEAR_2010, "2019-20": YEAR_2019},
                        regions=REGIONS, topics=TOPICS)
    (lib / "_synonyms.yaml").write_text(SYNONYMS, encoding="utf-8")
    return lib


def built_meaning_library(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """The library written into a fresh folder and built; the folder holds schemes/, content/, site/."""
    from helpers import build

    root = tmp_path_factory.mktemp(name)
    write_meaning_library(root)
    assert build(root) == 0
    return root
