"""The open data of a build: every built scheme's rows of the indicator table and lines of the downloads, kept
between builds by the scheme's validation key, so an edit makes its own scheme's data again and no other.

The comparisons and downloads need each scheme in full (baselines, targets, values), which listings never load;
made afresh for every scheme, a build of a large library would unpickle and serialise all of it on every edit.
The file (CACHE/open-data.pickle) is keyed on the code that makes it and on the site's address (the downloads
give full addresses); one from other code, or one that cannot be read, is started afresh with one notice.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any, Optional

from ..core.digest import code_digest, digest_bytes
from ..library.catalog import Catalog
from ..library.downloads import Address, SchemeData, scheme_data
from ..library.validate import ValidatedLibrary

# What the data is made by: the model, the indicator table and the downloads' declarations all live in library.
OPEN_DATA_CODE = ("core", "format", "library", "build/opendata.py")
FILE_NAME = "open-data.pickle"


def open_data(library: ValidatedLibrary, catalog: Catalog, address: Address,
              cache_dir: Optional[Path]) -> tuple[tuple[SchemeData, ...], tuple[str, ...]]:
    """Every built scheme's open data by scheme id, from the cache where its key is unchanged; and any notice."""
    ids = sorted(c.id for c in catalog.built)
    keys = library.scheme_keys
    stamp = digest_bytes(code_digest(*OPEN_DATA_CODE), address("/"))
    path = cache_dir / FILE_NAME if cache_dir is not None else None
    kept, notices = _load(path, stamp)
    todo = [sid for sid in ids if kept.get(sid, ("",))[0] != keys[sid]]
    years = {y.slug: y for y in catalog.years}
    made = {s.id: scheme_data(s, years.get(s.year), address) for s in library.schemes(todo).values()}
    data = tuple(made[sid] if sid in made else kept[sid][1] for sid in ids)
    if path is not None and (made or set(kept) != set(ids)):
        _save(path, stamp, {sid: (keys[sid], item) for sid, item in zip(ids, data)})
    return data, notices


def _load(path: Optional[Path], stamp: str) -> tuple[dict[str, Any], tuple[str, ...]]:
    """What the cache holds by scheme id when it was made by this code for this address, else nothing."""
    if path is None or not path.is_file():
        return {}, ()
    try:
        with open(path, "rb") as file:
            saved = pickle.load(file)
        if isinstance(saved, tuple) and len(saved) == 2 and saved[0] == stamp and isinstance(saved[1], dict):
            return saved[1], ()
        return {}, ()  # other code, or another address: made again, as a first build would
    except Exception as error:  # noqa: BLE001 - a damaged cache of any kind costs only its speed
        return {}, (f"{path} could not be read ({type(error).__name__}), so the open data was made afresh",)


def _save(path: Path, stamp: str, entries: dict[str, Any]) -> None:
    """Write the cache whole, then move it into place, so a build killed meanwhile leaves the old file or none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as file:
        pickle.dump((stamp, entries), file, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, path)
