"""The open data of a build: every built scheme's rows of the indicator table and lines of the downloads, kept
between builds by the scheme's validation key, so an edit makes its own scheme's data again and no other.

The comparisons and downloads need each scheme in full (baselines, targets, values), which listings never load;
made afresh for every scheme, a build of a large library would unpickle and serialise all of it on every edit.
The files (CACHE/open-data/NN.pickle, shards by scheme id) are keyed on the code that makes them and on the
site's address (the downloads give full addresses); one from other code, or one that cannot be read, is started
afresh with one notice.
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
FILE_NAME = "open-data"  # a folder of shards, CACHE/open-data/NN.pickle
# Schemes are spread over shards by a digest of their id, and a build rewrites only the shards whose schemes
# changed: one file written whole took longer to pickle, on every edit of a large library, than the edit itself.
SHARDS = 32


def open_data(library: ValidatedLibrary, catalog: Catalog, address: Address,
              cache_dir: Optional[Path]) -> tuple[tuple[SchemeData, ...], tuple[str, ...]]:
    """Every built scheme's open data by scheme id, from the cache where its key is unchanged; and any notice."""
    ids = sorted(c.id for c in catalog.built)
    keys = library.scheme_keys
    stamp = digest_bytes(code_digest(*OPEN_DATA_CODE), address("/"))
    folder = cache_dir / FILE_NAME if cache_dir is not None else None
    shards, notices = _load(folder, stamp)
    kept = {sid: entry for shard in shards.values() for sid, entry in shard.items()}
    todo = [sid for sid in ids if kept.get(sid, ("",))[0] != keys[sid]]
    years = {y.slug: y for y in catalog.years}
    made = {s.id: scheme_data(s, years.get(s.year), address) for s in library.schemes(todo).values()}
    data = tuple(made[sid] if sid in made else kept[sid][1] for sid in ids)
    if folder is not None:
        wanted: dict[int, dict[str, Any]] = {}
        for sid, item in zip(ids, data):
            wanted.setdefault(shard_of(sid), {})[sid] = (keys[sid], item)
        listed = set(ids)
        changed = ({shard_of(sid) for sid in made} | {shard_of(sid) for sid in kept if sid not in listed}
                   | {n for n in wanted if n not in shards})
        _save(folder, stamp, {n: wanted[n] for n in changed if n in wanted}, [n for n in shards if n not in wanted])
    return data, notices


def shard_of(scheme_id: str) -> int:
    """The shard a scheme's data is kept in."""
    return int(digest_bytes(scheme_id)[:8], 16) % SHARDS


def _load(folder: Optional[Path], stamp: str) -> tuple[dict[int, dict[str, Any]], tuple[str, ...]]:
    """What each shard holds by scheme id when it was made by this code for this address; a shard from other code
    or another address is left out (made again, as a first build would), a damaged one too, with one notice."""
    if folder is None or not folder.is_dir():
        return {}, ()
    shards: dict[int, dict[str, Any]] = {}
    damaged = []
    for number in range(SHARDS):
        path = folder / f"{number:02d}.pickle"
        if not path.is_file():
            continue
        try:
            with open(path, "rb") as file:
                saved = pickle.load(file)
        except Exception as error:  # noqa: BLE001 - a damaged cache of any kind costs only its speed
            damaged.append(f"{path.name} ({type(error).__name__})")
            continue
        if isinstance(saved, tuple) and len(saved) == 2 and saved[0] == stamp and isinstance(saved[1], dict):
            shards[number] = saved[1]
    notice = (f"{folder} could not be read ({', '.join(damaged)}), so the open data was made afresh",)
    return shards, notice if damaged else ()


def _save(folder: Path, stamp: str, changed: dict[int, dict[str, Any]], emptied: list[int]) -> None:
    """Write each changed shard whole, then move it into place, so a build killed meanwhile leaves the old file
    or none; delete the shards no scheme is in any more."""
    folder.mkdir(parents=True, exist_ok=True)
    for number, entries in sorted(changed.items()):
        path = folder / f"{number:02d}.pickle"
        partial = path.with_name(path.name + ".partial")
        with open(partial, "wb") as file:
            pickle.dump((stamp, entries), file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
    for number in emptied:
        (folder / f"{number:02d}.pickle").unlink(missing_ok=True)
