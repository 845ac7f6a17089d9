"""Notices the verbs print: one line each on standard error, for a cache that had to be started afresh."""

from __future__ import annotations

import sys
from typing import Sequence


def print_notices(notices: Sequence[str]) -> None:
    """One line on standard error for each cache that had to be started afresh."""
    for notice in notices:
        print(f"note: {notice}", file=sys.stderr)
