#!/usr/bin/env python3
"""Search benchmark: our /search/ page against Pagefind over the same built site, in headless Chromium.

usage: python bench/search_bench.py [--schemes 10000] [--runs 5] [--repeat 3] [--work DIR] [--out bench/SEARCH.md]

Numbers, not pass/fail. Needs `pip install "pagefind[bin]"` and Chromium at /usr/bin/chromium. For each query
it loads the search page cold (a new browser context, so nothing is cached) with the query in the URL, and
records the bytes transferred until the first result is on screen and the time that took. Index build time
is our search stage (analysis, the export's statistics and files from nothing; related schemes listed apart;
the build writes no whoosh index)
against `python -m pagefind` over the same scheme pages.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from library import make_content, make_library  # noqa: E402
from measure import Measurement, run  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
QUERIES = ["sepsis", "flu vaccination", "dementia screening 2012", "dement"]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAGEFIND_ARGS = ["--glob", "schemes/**/*.html", "--root-selector", "main", "--quiet"]
FIRST_RESULT = """
window.__first = null;
new MutationObserver(() => {
  if (window.__first === null && document.querySelector(%s)) { window.__first = performance.now(); }
}).observe(document, {childList: true, subtree: true});
"""
MATCHES = """() => document.body.dataset.count ? Number(document.body.dataset.count)
  : Number((document.getElementById("search-status").textContent.match(/^(\\d+)/) || [0, 0])[1])"""
PAGEFIND_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pagefind</title></head>
<body><ol id="results"></ol>
<script type="module">
const q = new URLSearchParams(location.search).get("q");
const pagefind = await import("/pagefind/pagefind.js");
const search = await pagefind.search(q);
const shown = await Promise.all(search.results.slice(0, 10).map(r => r.data()));
const list = document.getElementById("results");
for (const d of shown) {
  const li = document.createElement("li");
  li.textContent = d.meta.title + ": " + d.excerpt.replace(/<[^>]+>/g, "");
  list.appendChild(li);
}
document.body.dataset.count = String(search.results.length);
</script></body></html>
"""


def stage_timings(lib: Path, cache: Path, scratch: Path) -> dict[str, float]:
    """Our search stage from nothing, in this process: analysis, export, related (validation from the warm cache;
    in a build, analysis runs in the validation workers)."""
    sys.path.insert(0, str(REPO))
    from cquinlib.build.cache import BuildCache
    from cquinlib.search.related import related_schemes

    build_cache = BuildCache(cache)
    source = _source(lib, build_cache)
    started = time.perf_counter()
    state, files, made, times = _search_stage(source, scratch, {})
    related = time.perf_counter()
    related_schemes(state, source.cards)
    related = time.perf_counter() - related
    edit = _one_edit(lib, scratch, build_cache, {f.url: f.key for f in files})
    build_cache.close()
    return {"analyse": times["analyse"], "export": times["export"], "related": related,
            "files": len(files), "bytes": made, "total": time.perf_counter() - started - edit["edit_total"], **edit}


def _source(lib: Path, build_cache: Any) -> Any:
    """The search source of a library, validated through the build cache as a build validates it."""
    from cquinlib.library.load import scan_library
    from cquinlib.library.validate import ValidateOptions, validate_library
    from cquinlib.search.stage import SEARCH_ANALYSIS, source_of, validation_analysis

    return source_of(validate_library(scan_library(lib), ValidateOptions(
        store=build_cache, analyses={SEARCH_ANALYSIS: validation_analysis})))


def _search_stage(source: Any, scratch: Path, previous: dict[str, str]) -> tuple[Any, list[Any], int, dict[str, float]]:
    """Update the export state (analysing the documents it lacks) and make the files whose key is new, as the
    build's search stage does."""
    from cquinlib.search.document import index_digest
    from cquinlib.search.export import export_files
    from cquinlib.search.index import library_folder
    from cquinlib.search.state import doc_stats, update_state

    analysed: list[str] = []
    analysing = [0.0]

    def analyse(ids: list[str]) -> dict[str, Any]:
        """The analysed documents' statistics, timing the analysis apart."""
        began = time.perf_counter()
        documents = source.terms(ids)
        analysing[0] += time.perf_counter() - began
        analysed.extend(ids)
        return {i: doc_stats(documents[i]) for i in ids}

    started = time.perf_counter()
    digests = {sid: index_digest(key) for sid, key in source.keys.items()}
    state = update_state(library_folder(scratch, source.root), digests, analyse, source.code)
    files = export_files(state, {c.id: c for c in source.listed}, source.card_keys, source.goal_digests,
                         source.labels, source.code)
    made = sum(len(f.make()) for f in files if previous.get(f.url) != f.key)
    exported = time.perf_counter()
    return state, files, made, {"analyse": analysing[0], "export": exported - started - analysing[0],
                                "changed": len(analysed)}


def _one_edit(lib: Path, scratch: Path, build_cache: Any, previous: dict[str, str]) -> dict[str, float]:
    """Analysis and export after one scheme's title is edited (related lists are reused)."""
    schemes = sorted(p for p in lib.rglob("*.yaml") if not p.name.startswith("_"))
    target = schemes[len(schemes) // 2]
    original = target.read_text(encoding="utf-8")
    try:
        target.write_text(original.replace('title: "', 'title: "Edited ', 1), encoding="utf-8")
        source = _source(lib, build_cache)
        started = time.perf_counter()
        _, files, made, times = _search_stage(source, scratch, previous)
        total = time.perf_counter() - started
    finally:
        target.write_text(original, encoding="utf-8")
    assert times["changed"] == 1, times
    rewritten = sum(previous.get(f.url) != f.key for f in files)
    return {"edit_analyse": times["analyse"], "edit_export": times["export"], "edit_total": total,
            "edit_files": rewritten, "edit_bytes": made}


def our_search_stage(lib: Path, cache: Path, work: Path, repeat: int) -> dict[str, float]:
    """Median timings of our search stage over fresh search caches, each run in its own process."""
    runs = []
    for _ in range(repeat):
        scratch = work / "search-scratch"
        shutil.rmtree(scratch, ignore_errors=True)
        out = subprocess.run([sys.executable, __file__, "--stage", str(lib), str(cache), str(scratch)],
                             check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def pagefind_index(site: Path, repeat: int) -> tuple[float, float]:
    """Median seconds and peak MiB of Pagefind indexing the scheme pages; its last index is left in place."""
    def once(sample: bool) -> Measurement:
        """One Pagefind index from nothing (timed unsampled: sampling memory costs it CPU)."""
        shutil.rmtree(site / "pagefind", ignore_errors=True)
        return run([sys.executable, "-m", "pagefind", "--site", str(site), *PAGEFIND_ARGS], sample=sample)
    seconds = statistics.median(once(False).seconds for _ in range(repeat))
    return seconds, once(True).peak_mib


class CountingWriter:
    """A socket writer that counts the bytes sent through it."""

    def __init__(self, inner: Any) -> None:
        """Wrap the handler's writer."""
        self.inner = inner
        self.sent = 0

    def write(self, data: bytes) -> int:
        """Send and count."""
        self.sent += len(data)
        return int(self.inner.write(data))

    def flush(self) -> None:
        """Flush the writer beneath."""
        self.inner.flush()

    def __getattr__(self, name: str) -> Any:
        """Everything else (closed, close) is the writer beneath's."""
        return getattr(self.inner, name)


class Logged(SimpleHTTPRequestHandler):
    """A static file server that logs (time done, path, bytes sent with headers) for every response.

    Counting on the server sees every byte, including what Pagefind's web worker fetches, which the page's own
    Resource Timing does not list. The site has no icon, so /favicon.ico gets an empty 204, left out.
    """

    log: list[tuple[float, str, int]] = []

    def setup(self) -> None:
        """Count what this connection sends."""
        super().setup()
        self.wfile = CountingWriter(self.wfile)  # type: ignore[assignment]

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        """Serve a file and log what it cost."""
        if self.path == "/favicon.ico":
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()
        self.wfile.flush()
        self.log.append((time.time(), self.path, self.wfile.sent))  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the http.server signature
        """No access log."""


def served(site: Path) -> Iterator[str]:
    """Serve a folder on a free loopback port; yield the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Logged, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def first_results(browser: Any, url: str, selector: str) -> dict[str, float]:
    """Load url in a fresh context; time and bytes sent until selector first matches."""
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(FIRST_RESULT % json.dumps(selector))
    Logged.log.clear()
    page.goto(url)
    page.wait_for_function("window.__first !== null", timeout=120_000)
    first, origin = page.evaluate("[window.__first, performance.timeOrigin]")
    page.wait_for_load_state("networkidle")
    count = page.locator(selector).count()
    matches = page.evaluate(MATCHES)
    context.close()
    time.sleep(0.5)  # let requests the closed page left in flight finish, so they are not counted for the next
    done = [(path, sent) for when, path, sent in Logged.log if origin <= when * 1000 <= origin + first]
    page_bytes = sum(sent for path, sent in done if "?q=" in path or path.endswith(".css"))
    settled = sum(sent for when, _, sent in Logged.log if origin <= when * 1000)
    return {"ms": first, "page": page_bytes, "search": sum(sent for _, sent in done) - page_bytes,
            "requests": len(done), "shown": count, "settled": settled, "matches": matches}


def browser_runs(site: Path, runs: int) -> tuple[dict[str, dict[str, dict[str, float]]], str]:
    """Median figures per query for both search pages, and the browser's version."""
    from playwright.sync_api import sync_playwright

    (site / "pf-bench").mkdir(exist_ok=True)
    (site / "pf-bench" / "index.html").write_text(PAGEFIND_PAGE, encoding="utf-8")
    figures: dict[str, dict[str, dict[str, float]]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for base in served(site):
            for query in QUERIES:
                q = query.replace(" ", "+")
                ours = [first_results(browser, f"{base}/search/?q={q}", "#search-list li") for _ in range(runs)]
                theirs = [first_results(browser, f"{base}/pf-bench/?q={q}", "#results li") for _ in range(runs)]
                figures[query] = {"ours": _median(ours), "pagefind": _median(theirs)}
                print(query, figures[query], flush=True)
        version = browser.version
        browser.close()
    return figures, version


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    """The median of each figure."""
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def table(figures: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    """The per-query rows."""
    rows = ["| query | matches (ours / Pagefind) | ours: bytes to first results, search / with page | "
            "Pagefind: the same | bytes, ours ÷ Pagefind | ours: ms to first results | Pagefind: ms | "
            "time, ours ÷ Pagefind | all bytes once settled, ours / Pagefind |",
            "|---|---|---|---|---|---|---|---|---|"]
    for query, f in figures.items():
        o, p = f["ours"], f["pagefind"]
        rows.append(f"| `{query}` | {o['matches']:,.0f} / {p['matches']:,.0f} | {o['search'] / 1024:.1f} KiB / "
                    f"{(o['search'] + o['page']) / 1024:.1f} KiB ({o['requests']:.0f} requests) | "
                    f"{p['search'] / 1024:.1f} KiB / {(p['search'] + p['page']) / 1024:.1f} KiB "
                    f"({p['requests']:.0f} requests) | {o['search'] / p['search']:.2f} | {o['ms']:.0f} | "
                    f"{p['ms']:.0f} | {o['ms'] / p['ms']:.2f} | {o['settled'] / 1024:.1f} KiB / "
                    f"{p['settled'] / 1024:.1f} KiB |")
    return rows


def machine() -> str:
    """CPU model and count, Python and OS."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    return (f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"{platform.python_implementation()} {platform.python_version()}")


def main() -> None:
    """Build, index both ways, measure in Chromium, write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schemes", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, help="page loads per query and page (median)")
    parser.add_argument("--repeat", type=int, default=3, help="index builds each way (median)")
    parser.add_argument("--work", type=Path, default=Path("/dev/shm/cquin-search-bench") if Path("/dev/shm").is_dir()
                        else Path("/tmp/cquin-search-bench"))
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "SEARCH.md")
    parser.add_argument("--stage", nargs=3, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(stage_timings(*args.stage)))
        return
    lib = make_library(args.work / f"lib{args.schemes}", args.schemes)
    content = make_content(args.work / "content")
    site, cache = args.work / "site", args.work / "cache"
    shutil.rmtree(site, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    build = run([sys.executable, str(REPO / "build.py"), "build", "--schemes", str(lib), "--content", str(content),
                 "--out", str(site), "--cache", str(cache)])
    print(f"our cold build: {build.seconds:.1f} s", flush=True)
    stage = our_search_stage(lib, cache, args.work, args.repeat)
    print("our search stage:", stage, flush=True)
    pf_seconds, pf_mib = pagefind_index(site, args.repeat)
    print(f"pagefind: {pf_seconds:.1f} s, {pf_mib:.0f} MiB", flush=True)
    figures, chromium = browser_runs(site, args.runs)
    write_report(args, stage, build.seconds, pf_seconds, figures, chromium, site)


def write_report(args: argparse.Namespace, stage: dict[str, float], build_seconds: float, pf_seconds: float,
                 figures: dict[str, dict[str, dict[str, float]]], chromium: str, site: Path) -> None:
    """bench/SEARCH.md."""
    pf_version = subprocess.run([sys.executable, "-m", "pagefind", "--version"], capture_output=True,
                                text=True).stdout.strip()
    pf_bytes = sum(p.stat().st_size for p in (site / "pagefind").rglob("*") if p.is_file())
    ours = stage["analyse"] + stage["export"]
    lines = [f"# Search benchmark, {dt.date.today().isoformat()}", "",
             f"Machine: {machine()}; Chromium {chromium}; {pf_version}. {args.schemes:,} synthetic schemes from "
             "`shared/bench/gen_library.py` as it writes them (see `bench/library.py`), built by our generator; "
             "Pagefind indexes the same "
             f"built scheme pages (`{' '.join(PAGEFIND_ARGS[:4])}`). Served by Python's `http.server` on loopback "
             "(no HTTP compression: both indexes compress their own files). Each figure is the median of "
             f"{args.runs} cold page loads (a new browser context each), with the query in the URL, until the first "
             f"result is in the page. Index build times are medians of {args.repeat} runs each way, with nothing "
             f"watching them (Pagefind's memory comes from one more, sampled, run); everything reads and writes "
             f"under `{args.work}` (see bench/BUILD.md on file systems).", "",
             "## Bytes and time to first results", ""] + table(figures) + [
             "", "Bytes are counted by the server (headers included), so the files Pagefind's web worker fetches "
             "count too. *Search* bytes are the script and index files; *with page* adds the HTML and its "
             "stylesheets (ours is the real /search/ page with the site's header and CSS; Pagefind's is a bare "
             "test page using its JS API, `pagefind.js`, showing the top 10 like ours). Our facet counts (`f.gz`) "
             "load after the first results: they are in *all bytes once settled* (network idle), not in the "
             "first-results figures; Pagefind has no filters here (the pages carry no `data-pagefind-filter`). "
             "*Matches* are each engine's total: ours requires every word (whoosh's AND, stemmed; the last word "
             "completed as a prefix), Pagefind has its own rules.", "",
             "## Index build time", "",
             "| what | time |", "|---|---|",
             f"| ours: analysis of every scheme, loading each from the build cache first (both cores; in a cold "
             f"build the validation workers analyse as they go, and nothing is loaded) | "
             f"{stage['analyse']:.1f} s |",
             f"| ours: the export's statistics and files ({stage['files']:,.0f} files, "
             f"{stage['bytes'] / 1048576:.1f} MiB; the build writes no whoosh index) | "
             f"{stage['export']:.1f} s |",
             f"| **ours: analysis + export** | **{ours:.1f} s** |",
             f"| Pagefind over the same {args.schemes:,} scheme pages ({pf_bytes / 1048576:.1f} MiB written) | "
             f"**{pf_seconds:.1f} s** |",
             f"| ours ÷ Pagefind | {ours / pf_seconds:.2f} |",
             f"| ours: related schemes for every page (not in Pagefind's work) | {stage['related']:.1f} s |",
             f"| ours after one scheme's title is edited: its analysis, then the export "
             f"({stage['edit_files']:,.0f} files rewritten, {stage['edit_bytes'] / 1024:.1f} KiB; Pagefind can only "
             f"start over) | {stage['edit_analyse']:.2f} s + {stage['edit_export']:.2f} s |",
             f"| ours: whole cold build, site and search | {build_seconds:.1f} s |", "",
             "## Reading the numbers", "",
             "- Pagefind loads its WebAssembly engine, its metadata file and an index chunk of whole words with "
             "their positions before it can answer; ours loads a 20 KiB script, a manifest of a few KiB, one "
             "vocabulary shard, the postings of the query's stems and one file of 16 result cards per result shown.",
             "- The postings hold whoosh's own statistics: per text field, the documents holding the stem, the "
             "term's frequency and the document's field length as whoosh stores it. The page computes whoosh's "
             "BM25F score from them (the same formula and parameters; tests check the scores against whoosh's). "
             "Scores are not stored: every score moves when any document is added or edited (the statistics are "
             "global), while these figures change only in the files that hold the edited document.",
             "- Where ours costs more: a query with many common words fetches one postings file per word (a "
             "synthetic library of 10,000 schemes drawn from 18 topics makes every topic word common), and the "
             "facet counts (`f.gz`, one entry per scheme) come after the first results.",
             "- The synthetic library has a small vocabulary and long postings; a real library has many more "
             "words and shorter postings, which favours sharding by term.", ""]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
