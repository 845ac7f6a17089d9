"""A small library with known figures for the chart and calculator tests: two schemes, one with a value in pounds
(£100m contract at 2%: £2,000,000) and a 60 to 80 sliding scale, one without a contract value."""

from __future__ import annotations

from pathlib import Path

from conftest import write_content, write_library
from helpers import build

PRICED = """\
title: Priced acute scheme 2010/11
provider: {name: Priced Hospitals NHS Trust, type: acute}
commissioners: [NHS Example]
submitted: 2010-06-14
contract_value: 100000000
cquin_percent: 2
goals:
  - number: "1"
    name: Reduce avoidable harm from VTE <script>alert(1)</script>
    domain: safety
    national: vte
    weight: 60
    topics: [vte]
    indicators:
      - number: "1.1"
        name: Adult inpatients risk-assessed for VTE
        weight: 40
        target: {period: "Q4 2010/11", value: "80%"}
        payment_scale: {min: 60, max: 80}
      - number: "1.2"
        name: Patients given VTE prophylaxis
        weight: 20
        milestones:
          - {period: Q2, value: "50%", payment: 25}
          - {period: Q4, value: "70%", payment: 75}
  - number: "2"
    name: Fewer falls
    domain: effectiveness
    weight: 40
    topics: [falls]
  - number: "3"
    name: Local audit
"""

UNPRICED = """\
title: Unpriced community scheme 2019/20
provider: {name: Unpriced Community NHS Trust, type: community}
commissioners: [NHS Other]
submitted: 2019-06-14
goals:
  - number: "1"
    name: Staff flu vaccination
    national: flu
    weight: 60
    topics: [flu]
    indicators:
      - number: "1.1"
        name: Front-line staff vaccinated
        weight: 60
        payment_scale: {min: 50, max: 50}
  - number: "2"
    name: Safer discharge
    domain: safety
    weight: 40
"""

PRICED_URL = "/schemes/2010-11/london/priced/"
UNPRICED_URL = "/schemes/2019-20/east-of-england/unpriced/"


def built_charts_library(root: Path) -> Path:
    """Write and build the library under root; the built site's folder."""
    write_library(root, {"2010-11/london/priced": PRICED, "2019-20/east-of-england/unpriced": UNPRICED})
    write_content(root)
    assert build(root, "--strict") == 0
    return root / "site"
