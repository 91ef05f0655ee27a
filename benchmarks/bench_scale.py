"""A long document checked as a stream: time and peak memory of ``pgverify verify`` with --jobs 1 and 2.

    python benchmarks/bench_scale.py                      # 10 000 displays, --jobs 1 and 2
    python benchmarks/bench_scale.py --displays 2000 --jobs 2
    python benchmarks/bench_scale.py --post               # the post's verify with --jobs 1 and 2
    python benchmarks/bench_scale.py --write long.md      # only write the document

The document (:func:`document`) alternates two kinds of display that hold (c Σ_a π(a|s) = c and
v(s) = Σ_a π(a|s) q(s,a) + c − c), one in 50 replaced by one that does not (Σ_a ∇π(a|s) = c, v(s) = c Σ_a π q),
each with its own constant c so that no two displays are the same text; one prose line between displays.
Every run is ``--no-cache`` (each display is checked) with
``--examples 2 --points 1`` (the document is about the stream, not the depth of each check), output to /dev/null
(the streamed table); each run is a fresh process, its peak resident memory read from ``getrusage`` (the main
process; the worker processes' largest separately).

Figures, 2026-12-08, 2 cores shared with seven other sessions (the wall time depends on their load; the CPU
seconds, all processes added, do not):

    displays  jobs   wall s    CPU s  displays/s  peak RSS main  peak RSS worker  exit   load
       10000     1     90.8     89.6       110.1         130 MB             0 MB     1    ≈ 2.4
       10000     2     48.1     84.0       207.9         114 MB           117 MB     1    ≈ 2.4
       10000     1    112.4    101.0        89.0         130 MB             0 MB     1    ≈ 3  (count parsing rows)
       10000     2    118.8    116.0        84.2         113 MB           116 MB     1    ≈ 3  (count parsing rows)
       10000     1   1025.2    169.2         9.8         177 MB             0 MB     1    ≈ 10  (before the fixes)
       10000     2    495.9    162.6        20.2         161 MB           164 MB     1    ≈ 10  (before the fixes)
        post     1      6.1      6.1                     129 MB             0 MB     1    ≈ 2.5
        post     2      6.3      6.7                     103 MB           117 MB     1    ≈ 2.5

Memory is bounded: 300 displays checked after the first 100 add 130 KB to the traced heap (tracemalloc), and a
process that only reads (the main one with --jobs 2) peaks at 113 MB for 10 000 displays against 103 MB for the
post's 33.  Two workers help when the machine has a core to give them (48 s against 91 s at load ≈ 2.4, with
displays sent in chunks of 8 and the checker imported before the fork; before those two changes, 119 s against
112 s at load ≈ 3).  The post's 33 displays are too few to gain from a second process.  Before the reader's
fixes (delimiters looked up in every display, quadratic; one position object per character of the file), reading
10 000 displays took minutes and 59 MB; now 0.2 s and 11 MB.  The work is counted from the annotations alone
(no row parsed): a file of 40 000 displays (120 000 checks) is refused in 1.9 s with the figure; one of 125 000
(7 MB) is refused by the reader's 5 MB file limit.  The rows marked "count parsing rows" were measured when the
count still parsed every display (1.5 ms each, about 15 s of the CPU seconds).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this tree's pgverify, not an installed one

#: The kinds of display, each a format with one constant {c} (≥ 2): the first two hold, the last two do not.
KINDS = (
    "{c} \\sum_a \\pi(a|s) = {c}",
    "v(s) = \\sum_a \\pi(a|s) q(s,a) + {c} - {c}",
    "\\sum_a \\nabla_\\theta \\pi(a|s) = {c}",
    "v(s) = {c} \\sum_a \\pi(a|s) q(s,a)",
)

#: One display in ``REFUTED_EVERY`` is false (a refutation shrinks its counterexample: about 0.2 s, 20 times a
#: display that holds).
REFUTED_EVERY = 50


def document(n: int) -> str:
    """A Markdown document of ``n`` displays (see the module docstring); the constants are 2, 3, … in turn."""
    parts = ["# A long derivation\n"]
    for i in range(n):
        kind = KINDS[2 + (i // REFUTED_EVERY) % 2] if i % REFUTED_EVERY == REFUTED_EVERY - 1 else KINDS[i % 2]
        parts.append(f"Line {i + 1}.\n\n$$\n{kind.format(c=2 + i)}\n$$\n")
    return "\n".join(parts)


def _one(path: Path, jobs: int, extra: list[str]) -> None:
    """Run ``pgverify verify`` in this process (the child of :func:`measure`) and print its figures."""
    from pgverify.cli import main

    sys.stdout = open(os.devnull, "w", encoding="utf-8")
    start = time.perf_counter()
    status = main(["verify", str(path), "--no-cache", "--jobs", str(jobs), *extra])
    seconds = time.perf_counter() - start
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    sys.stdout = sys.__stdout__
    print(f"{seconds:.1f} {cpu:.1f} {me.ru_maxrss} {kids.ru_maxrss} {status}")


def measure(path: Path, jobs: int, extra: list[str]) -> tuple[float, float, int, int, int]:
    """Wall seconds, CPU seconds (all processes), peak RSS (KiB) of the main process and of the largest worker,
    and the exit status of one run."""
    out = subprocess.run([sys.executable, __file__, "--one", str(path), "--jobs", str(jobs),
                          f"--extra={' '.join(extra)}"],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    seconds, cpu, own, workers, status = out.stdout.split()
    return float(seconds), float(cpu), int(own), int(workers), int(status)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--displays", type=int, default=10_000)
    p.add_argument("--jobs", type=int, action="append", help="jobs to measure (default 1 and 2); may repeat")
    p.add_argument("--post", action="store_true", help="the post (../shared/post.md) instead of a generated file")
    p.add_argument("--write", type=Path, help="only write the generated document there")
    p.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--extra", default="", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        _one(args.one, args.jobs[0], args.extra.split())
        return
    if args.write:
        args.write.write_text(document(args.displays), encoding="utf-8")
        print(f"wrote {args.write} ({args.displays} displays)")
        return
    if args.post:
        path, extra, n = ROOT.parent.parent / "shared" / "post.md", [], "post"
        if not path.is_file():
            path = Path("/work/shared/post.md")
    else:
        folder = Path(tempfile.mkdtemp(prefix="pgverify-scale-"))
        path, extra, n = folder / "long.md", ["--examples", "2", "--points", "1"], str(args.displays)
        path.write_text(document(args.displays), encoding="utf-8")
    print(f"{'displays':>8}  {'jobs':>4}  {'wall s':>7}  {'CPU s':>7}  {'displays/s':>10}  {'peak RSS main':>13}  "
          f"{'peak RSS worker':>15}  exit", flush=True)
    for jobs in args.jobs or [1, 2]:
        seconds, cpu, own, workers, status = measure(path, jobs, extra)
        rate = f"{args.displays / seconds:10.1f}" if not args.post else f"{'':>10}"
        print(f"{n:>8}  {jobs:>4}  {seconds:7.1f}  {cpu:7.1f}  {rate}  {own / 1024:10.0f} MB  "
              f"{(workers / 1024 if jobs > 1 else 0):12.0f} MB  {status}", flush=True)


if __name__ == "__main__":
    main()
