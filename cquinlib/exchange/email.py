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


def attached_files(message: bytes) -> list[Attached]:
    """Every file attached to a message, by the last part of its name."""
    if len(message) > MAX_BYTES:
        raise ValueError(f"the message is larger than {MAX_BYTES // 1048576} MB")
    parsed = BytesParser(policy=policy.default).parsebytes(message)
    found = []
    for part in parsed.walk():
        name = None if part.is_multipart() else part.get_filename()
        if name:
            payload = part.get_payload(decode=True)
            # Only the name's last part: a sender's path means nothing here.
            found.append(Attached(PurePath(name.replace("\\", "/")).name,
                                  payload if isinstance(payload, bytes) else b""))
    return found


def attached_template(message: bytes) -> Attached:
    """The single xlsx, csv or yaml file attached to a message; ValueError naming what was found otherwise."""
    files = attached_files(message)
    found = [a for a in files if a.name.lower().endswith(TEMPLATE_SUFFIXES)]
    others = [a.name for a in files if a not in found]
    if len(found) == 1:
        return found[0]
    if not found:
        also = f" (it has {', '.join(others)})" if others else ""
        raise ValueError(f"the message has no .xlsx, .csv or .yaml attachment{also}: ask for the filled template")
    raise ValueError(f"the message has {len(found)} templates attached ({', '.join(a.name for a in found)}): "
                     "save the one to import and import that file")
