"""A small library for the search tests: a few listed schemes, one withdrawn, one draft, one hostile."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SCHEME, write_content, write_library

RIVERSIDE = """\
title: Riverside community scheme 2019/20
provider:
  name: Riverside Community Health NHS Trust
  type: community
commissioners: [NHS Riverside CCG]
submitted: 2019-05-01
goals:
  - number: "1"
    name: Staff flu vaccination
    national: flu
    domain: safety
    topics: [flu]
    indicators:
      - number: "1.1"
        name: Frontline staff vaccinated against flu
"""

NORTHGATE = """\
title: Northgate acute scheme 2019/20
provider:
  name: Northgate Hospitals NHS Foundation Trust
  type: acute
commissioners: [NHS Northgate CCG]
submitted: 2019-05-02
goals:
  - number: "1"
    name: Falls prevention on wards
    domain: safety
    topics: [falls]
  - number: "2"
    name: Flu vaccinations for front-line staff
    domain: effectiveness
    topics: [flu]
    description: Offer every member of staff the vaccine in October.
"""

PUMPKIN = """\
title: Pumpkin Vale mental health scheme 2019/20
provider:
  name: Pumpkin Vale Mental Health NHS Trust
  type: mental-health
commissioners: [NHS Pumpkin Vale CCG]
submitted: 2019-05-03
summary: Audits that found sepsis was recognised late.
goals:
  - number: "1"
    name: Pumpkinlattice audit of physical health checks
    domain: effectiveness
"""

MEADOW = """\
title: Meadow community scheme 2010/11
provider:
  name: Meadow Community Services
  type: community
commissioners: [NHS Meadow]
submitted: 2010-05-01
goals:
  - number: "1"
    name: Fewer falls at home
    domain: patient-experience
    topics: [falls]
"""

HOSTILE = """\
title: "<img src=x onerror=alert(1)> Hostile scheme 2019/20"
provider:
  name: Hostile Hospitals NHS Trust
  type: acute
commissioners: [NHS Hostile]
submitted: 2019-05-04
goals:
  - number: "1"
    name: "Flu <script>alert(1)</script> vaccination"
    domain: safety
"""

WITHDRAWN = (SCHEME.replace("Example acute scheme 2010/11", "Zanzibarquux withdrawn scheme")
             .replace("submitted: 2010-06-14", "submitted: 2010-06-14\nstatus: withdrawn")
             .replace("Example Hospitals NHS Foundation Trust", "Gone Hospitals NHS Trust"))
DRAFT = SCHEME.replace("Example acute scheme 2010/11", "Draftonlyword scheme").replace(
    "submitted: 2010-06-14", "status: draft")

SCHEMES = {"2010-11/london/example": SCHEME, "2019-20/midlands/riverside": RIVERSIDE,
           "2019-20/london/northgate": NORTHGATE, "2019-20/east-of-england/pumpkin": PUMPKIN,
           "2010-11/east-of-england/meadow": MEADOW, "2019-20/london/hostile": HOSTILE,
           "2010-11/london/withdrawn": WITHDRAWN, "2010-11/south-central/draft": DRAFT}
LISTED = sorted(set(SCHEMES) - {"2010-11/london/withdrawn", "2010-11/south-central/draft"})


def write_search_library(root: Path) -> Path:
    """Write the library and a content folder under root; return the schemes folder."""
    write_content(root)
    return write_library(root, dict(SCHEMES))


def built_search_library(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """The search library written into a fresh folder and built; the folder holds schemes/, content/, site/."""
    from helpers import build

    root = tmp_path_factory.mktemp(name)
    write_search_library(root)
    assert build(root) == 0
    return root
