"""The `search` verb: validate the library, bring its search files up to date, print the ranked schemes."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
from typing import TYPE_CHECKING, Any, Callable, Sequence

from ..core.diagnostics import has_errors, report_diagnostics, summary

if TYPE_CHECKING:
    from ..search.engine import Result
    from ..search.export import SearchFile
    from ..search.stage import SearchSource

DEFAULT_LIMIT = 10


def add_search_args(parser: argparse.ArgumentParser) -> None:
    """The search verb's own arguments (the library and cache ones are the command line's shared ones)."""
    parser.add_argument("query", nargs="+", metavar="QUERY",
                        help="words, \"phrases\", OR, NOT or -word, and fields: year:2019-20 region:midlands "
                             "type:community topic:falls domain:safety national:local framework:cquin "
                             "illustrative:false (the grammar is the search page's)")
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT,
                        help=f"most results shown (default: {DEFAULT_LIMIT})")
    parser.add_argument("--json", action="store_true", help="print a JSON list: id, title, url, score, goal, ...")
    parser.add_argument("--exact", action="store_true",
                        help="search the words as typed: no spelling correction")


def run_search(args: argparse.Namespace) -> int:
    """Validate, update the search files, search and print; exit 1 when the library has errors."""
    if args.limit < 1:
        print("build.py search: error: --limit must be at least 1", file=sys.stderr)
        return 2
    try:
        return _search(args)
    except BrokenPipeError:
        # A reader that stopped early (| head) has all it wanted: leave quietly, and keep Python from
        # complaining again when it flushes stdout on the way out.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _search(args: argparse.Namespace) -> int:
    """run_search's work."""
    # Imported here, not at the top, so the command line starts without whoosh for every other verb.
    from ..build.cache import BuildCache
    from ..library.load import scan_library
    from ..library.validate import ValidateOptions, validate_library
    from ..search.engine import Engine
    from ..search.stage import SEARCH_ANALYSIS, build_search, source_of, validation_analysis
    from .notices import print_notices
    cache = BuildCache(args.cache)
    text = " ".join(args.query)
    try:
        validated = validate_library(scan_library(args.schemes),
                                     ValidateOptions(store=cache, analyses={SEARCH_ANALYSIS: validation_analysis}))
        report_diagnostics(validated.diagnostics, sys.stderr)
        if has_errors(validated.diagnostics, args.strict):
            print(summary(validated.diagnostics), file=sys.stderr)
            return 1
        source = source_of(validated)
        built = build_search(source, args.cache / "search")
        print_notices(cache.notices + list(built.notices))
        result = Engine(export_reader(built.files)).run(text, correct=not args.exact)
        rows = results(source, result, built.files, args.limit)
    finally:
        cache.close()
    if result.corrected:
        print(f"showing results for {result.corrected!r} (search for {text!r} as typed with --exact)",
              file=sys.stderr)
    print(json.dumps(rows, indent=2, ensure_ascii=False) if args.json else as_text(rows, result.corrected or text))
    sys.stdout.flush()
    return 0


def export_reader(files: Sequence[SearchFile]) -> Callable[[str], Any]:
    """Read the exported files as search.js reads them: a name under /search/ to its parsed JSON."""
    from ..library import urls
    by_url = {f.url: f for f in files}

    def read(name: str) -> Any:
        """One file, inflated and parsed."""
        raw = by_url[urls.search_file_url(name)].make()
        return json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)

    return read


def results(source: SearchSource, result: Result, files: Sequence[SearchFile], limit: int) -> list[dict[str, Any]]:
    """One plain record per hit: who, where, score, and the goal that best matches the query."""
    from ..search.query import best_goal
    from ..search.state import doc_slots
    cards = {c.id: c for c in source.listed}
    ids = sorted(cards)
    by_slot = dict(zip(doc_slots(ids), ids))
    hits = [(by_slot[slot], score) for slot, score, _ in result.hits[:limit]]
    schemes = source.load([sid for sid, _ in hits])
    rows = []
    for sid, score in hits:
        card = cards[sid]
        goal = best_goal(schemes[sid], source.labels, result.stems)
        rows.append({"id": sid, "title": card.title, "url": card.url, "score": round(score, 6),
                     "provider": card.provider_name, "year": card.year, "region": card.region,
                     "type": card.provider_type,
                     "goal": {"number": goal.number, "name": goal.name} if goal else None})
    return rows


def as_text(rows: list[dict[str, Any]], query: str) -> str:
    """Ranked results for a terminal."""
    if not rows:
        return f"no scheme matches {query!r}"
    lines = [f"{len(rows)} best match{'es' * (len(rows) != 1)} for {query!r}:"]
    for n, row in enumerate(rows, start=1):
        lines.append(f"{n:>3}. {row['id']}  {row['title']}  (score {row['score']:.2f})")
        if row["goal"]:
            lines.append(f"     goal {row['goal']['number']}: {row['goal']['name']}")
    return "\n".join(lines)
