"""The `search` verb: validate the library, bring its index up to date, print the ranked schemes."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from ..core.diagnostics import has_errors, report_diagnostics, summary

if TYPE_CHECKING:
    from ..search.query import Hit
    from ..search.stage import SearchSource

DEFAULT_LIMIT = 10


def add_search_args(parser: argparse.ArgumentParser) -> None:
    """The search verb's own arguments (the library and cache ones are the command line's shared ones)."""
    parser.add_argument("query", nargs="+", metavar="QUERY",
                        help="words, \"phrases\", and fields: year:2019-20 region:midlands type:community "
                             "topic:falls domain:safety national:local")
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT,
                        help=f"most results shown (default: {DEFAULT_LIMIT})")
    parser.add_argument("--json", action="store_true", help="print a JSON list: id, title, url, score, goal, ...")


def run_search(args: argparse.Namespace) -> int:
    """Validate, update the index, search and print; exit 1 when the library has errors."""
    if args.limit < 1:
        print("build.py search: error: --limit must be at least 1", file=sys.stderr)
        return 2
    # Imported here, not at the top, so the command line starts without whoosh for every other verb.
    from ..build.cache import BuildCache
    from ..library.load import scan_library
    from ..library.validate import ValidateOptions, validate_library
    from ..search.index import update_index
    from ..search.labels import topic_labels
    from ..search.query import search
    from ..search.stage import source_of, validation_analysis
    from .notices import print_notices
    cache = BuildCache(args.cache)
    try:
        validated = validate_library(scan_library(args.schemes),
                                     ValidateOptions(store=cache, analysis=validation_analysis))
        report_diagnostics(validated.diagnostics, sys.stderr)
        if has_errors(validated.diagnostics, args.strict):
            print(summary(validated.diagnostics), file=sys.stderr)
            return 1
        source = source_of(validated)
        update = update_index(source.root, source.keys, source.terms, source.code, args.cache / "search")
        print_notices(cache.notices + list(update.notices))
        hits, stems = search(update.path, " ".join(args.query), topic_labels(source.labels.topics), args.limit)
        rows = results(source, hits, stems)
    finally:
        cache.close()
    print(json.dumps(rows, indent=2, ensure_ascii=False) if args.json else as_text(rows, " ".join(args.query)))
    return 0


def results(source: SearchSource, hits: list[Hit], stems: frozenset[str]) -> list[dict[str, Any]]:
    """One plain record per hit: who, where, score, and the goal that best matches the query."""
    from ..search.query import best_goal
    cards = {c.id: c for c in source.listed}
    schemes = source.load([h.id for h in hits])
    rows = []
    for hit in hits:
        card = cards[hit.id]
        goal = best_goal(schemes[hit.id], source.labels, stems)
        rows.append({"id": hit.id, "title": card.title, "url": card.url, "score": round(hit.score, 6),
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

