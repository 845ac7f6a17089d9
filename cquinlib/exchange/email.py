"""A submission by email: the one filled template (xlsx, csv or yaml) attached to a saved message (.eml)."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from pathlib import PurePath
from typing import NamedTuple

TEMPLATE_SUFFIXES = (".xlsx", ".csv", ".yaml", ".yml")
MAX_BYTES = 30 * 1024 * 1024


class Attached(NamedTuple):
    """The attached template: its file name and bytes."""

    name: str
    data: bytes


def attached_template(message: bytes) -> Attached:
    """The single xlsx, csv or yaml file attached to a message; ValueError naming what was found otherwise."""
    if len(message) > MAX_BYTES:
        raise ValueError(f"the message is larger than {MAX_BYTES // 1048576} MB")
    parsed = BytesParser(policy=policy.default).parsebytes(message)
    found, others = [], []
    for part in parsed.walk():
        if part.is_multipart():
            continue
        name = part.get_filename()
        if not name:
            continue
        # Only the name's last part: a sender's path means nothing here.
        base = PurePath(name.replace("\\", "/")).name
        if base.lower().endswith(TEMPLATE_SUFFIXES):
            payload = part.get_payload(decode=True)
            found.append(Attached(base, payload if isinstance(payload, bytes) else b""))
        else:
            others.append(base)
    if len(found) == 1:
        return found[0]
    if not found:
        also = f" (it has {', '.join(others)})" if others else ""
        raise ValueError(f"the message has no .xlsx, .csv or .yaml attachment{also}: ask for the filled template")
    raise ValueError(f"the message has {len(found)} templates attached ({', '.join(a.name for a in found)}): "
                     "save the one to import and import that file")
