"""A small library with known figures for the comparison, open data and duration tests (issue 13).

Alpha (2019/20, code RA1) and Alpha Renamed (2020/21, the same code) are one provider; Beta spells the flu goal
differently; a draft and a withdrawn scheme hold figures that must never reach a comparison or a CSV.
"""

from __future__ import annotations

from pathlib import Path

from conftest import REGIONS, write_content, write_library

TOPICS = """\
flu:
  name: Staff flu vaccination
falls:
  name: Falls prevention
"""

YEAR_2019 = """\
cquin_percent: 1.25
national_goals:
  - id: flu
    name: Staff flu vaccinations
    description: Front-line staff vaccinated against flu.
    settings: [acute, community]
    target: "80%"
    topics: [flu]
  - id: falls
    name: Fewer falls
    duration: 2
    topics: [falls]
"""

YEAR_2020 = """\
cquin_percent: 1.25
"""

ALPHA = """\
title: Alpha scheme 2019/20
provider: {name: Alpha Trust, type: acute, code: RA1}
commissioners: [NHS Alpha]
submitted: 2019-05-01
contract_value: 10000000
goals:
  - number: "1"
    name: Staff flu vaccination
    national: flu
    domain: safety
    topics: [flu]
    indicators:
      - number: "1.1"
        name: Front-line staff vaccinated
        weight: 40
        baseline: {period: "2018/19", value: "60%"}
        target: {period: "Q4 2019/20", value: "80%"}
        payment_scale: {min: 60, max: 80}
        milestones:
          - {period: Q2, value: "50%", payment: 25}
  - number: "2"
    name: Fewer falls
    national: falls
    weight: 60
    topics: [falls]
contact: {name: Alpha Person, email: alpha.private@example.org}
"""

BETA = """\
title: Beta scheme 2019/20
provider: {name: Beta Trust, type: community}
commissioners: [NHS Beta]
submitted: 2019-05-02
contract_value: 2000000
goals:
  - number: "1"
    name: STAFF flu vaccination.
    national: flu
    topics: [flu]
    indicators:
      - number: "1.1"
        name: Staff vaccinated
        weight: 100
        target: {period: "Q4", value: "90%"}
contact: {name: Beta Person, email: beta.private@example.org}
"""

ALPHA_NEXT = """\
title: Alpha Renamed scheme 2020/21
provider: {name: Alpha Renamed Trust, type: acute, code: RA1}
commissioners: [NHS Alpha]
submitted: 2020-05-01
contract_value: 4000000
goals:
  - number: "1"
    name: Staff flu vaccination
    topics: [flu]
    duration: 2
    indicators:
      - number: "1.1"
        name: Staff vaccinated
        weight: 100
        target: {value: "70%"}
"""

DRAFT = """\
title: Draft secret scheme
status: draft
provider: {name: Draft Trust, type: acute}
commissioners: [NHS Draft]
goals:
  - number: "1"
    name: Staff flu vaccination
    topics: [flu]
    indicators:
      - {number: "1.1", name: Draft indicator, target: {value: "10%"}}
contact: {name: Draft Person, email: draft.private@example.org}
"""

WITHDRAWN = """\
title: Withdrawn old scheme
status: withdrawn
provider: {name: Gone Trust, type: acute}
commissioners: [NHS Gone]
submitted: 2019-05-03
goals:
  - number: "1"
    name: Staff flu vaccination
    topics: [flu]
    indicators:
      - {number: "1.1", name: Withdrawn indicator, target: {value: "50%"}}
contact: {name: Gone Person, email: gone.private@example.org}
"""

SCHEMES = {"2019-20/london/alpha": ALPHA, "2019-20/midlands/beta": BETA, "2020-21/london/alpha": ALPHA_NEXT,
           "2019-20/london/draft": DRAFT, "2019-20/london/gone": WITHDRAWN}
PRIVATE = ("alpha.private@example.org", "beta.private@example.org", "draft.private@example.org",
           "gone.private@example.org", "Alpha Person", "Draft secret scheme", "Draft indicator")


def write_comparison_library(root: Path, schemes: dict[str, str] | None = None) -> Path:
    """Write the library and a content folder under root; the schemes folder."""
    lib = write_library(root, schemes if schemes is not None else SCHEMES,
                        years={"2019-20": YEAR_2019, "2020-21": YEAR_2020}, regions=REGIONS, topics=TOPICS)
    write_content(root)
    return lib
