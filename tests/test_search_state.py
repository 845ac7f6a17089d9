"""The search export's state: patched for a few changed documents, it equals the state made afresh."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from cquinlib.search.analysis import SearchAnalyzer
from cquinlib.search.state import DocStats, doc_stats, patch_state, state_of, update_state
from cquinlib.search.terms import FACET_FIELDS, INDEXED_FIELDS, analyse_document

WORDS = "falls vaccination vaccinated sepsis dementia screening wards staff flu audit quokka".split()


def document(sid: str, seed: int) -> DocStats:
    """A random analysed document: a few words from WORDS in each text field."""
    rng = random.Random(seed)
    fields = {name: " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 6))) for name in INDEXED_FIELDS}
    facets = {name: "x" for name in FACET_FIELDS}
    return doc_stats(analyse_document({"id": sid, **fields, **facets}, f"d{seed}", SearchAnalyzer()))


@pytest.mark.parametrize("seed", range(8))
def test_patched_state_equals_a_fresh_one(seed: int) -> None:
    """Replace a few documents (words gained, lost, fields emptied): every entry, count and length agrees."""
    rng = random.Random(seed)
    ids = [f"2019-20/london/s{n:02d}" for n in range(12)]
    docs = {sid: document(sid, rng.randrange(10**6)) for sid in ids}
    changed = {sid: document(sid, rng.randrange(10**6)) for sid in rng.sample(ids, 3)}
    patched = patch_state(state_of([docs[sid] for sid in ids]), {sid: docs[sid] for sid in changed}, changed)
    fresh = state_of([changed.get(sid, docs[sid]) for sid in ids])
    assert patched.entries == fresh.entries and patched.df == fresh.df and patched.similar == fresh.similar
    assert patched.lengths == fresh.lengths and patched.words == fresh.words and patched.digests == fresh.digests


def test_update_state_patches_only_the_changed_documents(tmp_path: Path) -> None:
    """A second update with one digest changed analyses that document alone; the result equals a fresh state."""
    ids = [f"2019-20/london/s{n:02d}" for n in range(20)]
    version = {sid: 1 for sid in ids}
    asked: list[list[str]] = []

    def analyse(wanted: list[str]) -> dict[str, DocStats]:
        """Documents at their current version, noting which were asked for."""
        asked.append(sorted(wanted))
        return {sid: document(sid, hash((sid, version[sid])) % 10**6)._replace(digest=f"v{version[sid]}")
                for sid in wanted}

    digests = {sid: "v1" for sid in ids}
    update_state(tmp_path, digests, analyse, "code")
    version[ids[3]], digests[ids[3]] = 2, "v2"
    patched = update_state(tmp_path, digests, analyse, "code")
    assert asked == [ids, [ids[3]]]
    (tmp_path / "fresh").mkdir()
    assert patched == update_state(tmp_path / "fresh", digests, analyse, "code")
