"""Time the PDF répertoire: a 200-entry country (target ≤ 3 s), the largest, and `--all`.

    REPERTOIRE_INSTANCE=/tmp/i6 .venv/bin/python tests/bench_pdf.py [--all-dir DIR [--no-map]] [--out DIR]

Uses the registry of the instance folder (build it with `repertoire ingest …` first).
Times are wall-clock and CPU: on a shared machine the CPU time is the one to compare.
The répertoires timed alone have no map; `--all` draws the maps unless `--no-map`.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repertoire.pdf import Options, render  # noqa: E402
from repertoire.registry import Registry  # noqa: E402


def timed(label: str, rows: list[dict], code: str, out: Path | None = None) -> float:
    start, cpu = time.perf_counter(), time.process_time()
    pdf = render(rows, code, Options())
    took = time.perf_counter() - start
    print(f"{label:<38} {len(rows):>5} entries  {took:6.2f} s  (CPU {time.process_time() - cpu:5.2f} s)"
          f"  {len(pdf) // 1024:>5} KB")
    if out:
        out.write_bytes(pdf)
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--all-dir", help="also time `repertoire pdf --all -o DIR`")
    parser.add_argument("--no-map", action="store_true", help="`--all` without the maps (typesetting alone)")
    parser.add_argument("--out", default="/tmp/bench-pdf", help="where the PDFs are written")
    args = parser.parse_args()
    instance = Path(os.environ.get("REPERTOIRE_INSTANCE", "instance"))
    registry = Registry(instance / "registry.sqlite3")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sizes = list(registry.iter_rows("SELECT partner_country, count(*) n FROM partnerships GROUP BY 1 ORDER BY 2 DESC"))
    big = sizes[0][0]
    rows = registry.partnerships("partner_country = ?", [big])
    timed("warm-up (fonts, coverage)", rows[:5], big)
    # 200 entries: the first 200 partnerships of the largest country
    t200 = timed(f"200 entries ({big})", rows[:200], big, out / "bench-200.pdf")
    for code in ("JP", "AM", "MA"):
        some = registry.partnerships("partner_country = ?", [code])
        if some:
            timed(f"{code}", some, code, out / f"repertoire-{code.lower()}.pdf")
    timed(f"largest country ({big})", rows, big, out / f"repertoire-{big.lower()}.pdf")
    print(f"200-entry target ≤ 3 s: {'OK' if t200 <= 3 else 'MISSED'} ({t200:.2f} s)")
    if args.all_dir:
        start, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
        subprocess.run([str(Path(sys.executable).parent / "repertoire"), "pdf", "--all", "-o", args.all_dir]
                       + (["--no-map"] if args.no_map else []), check=True, stderr=subprocess.DEVNULL,
                       env=dict(os.environ, REPERTOIRE_INSTANCE=str(instance)))
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - cpu
        print(f"pdf --all{' --no-map' if args.no_map else ''} ({len(sizes)} countries): "
              f"{time.perf_counter() - start:.1f} s (CPU {cpu:.1f} s)")


if __name__ == "__main__":
    main()
