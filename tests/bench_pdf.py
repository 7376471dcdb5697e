"""Time the country books as `repertoire pdf CC` makes them: maps, then typesetting, each book
in a fresh process (so its fixed cost — fonts, map outlines, locale data — is counted).

    REPERTOIRE_INSTANCE=/tmp/i12inst .venv/bin/python tests/bench_pdf.py [--out DIR] [--no-map]

Targets (issue 12): a book of ≤ 50 entries in ≤ 1 s, 200 entries ≤ 2 s, the largest country
(Germany, ~1,300 entries) ≤ 5 s. Uses the registry of the instance folder (build it with
`repertoire ingest …` first). Times are wall-clock and CPU: on a shared machine the CPU time is
the one to compare; the process start and imports are reported apart.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ((50, 1.0), (200, 2.0), (10 ** 9, 5.0))  # (entries up to, seconds)

ONE = r"""
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
from repertoire.registry import Registry
from repertoire.pdf import Options, render
from maps import static
t1, c1 = time.perf_counter(), time.process_time()
registry = Registry(sys.argv[1])
code, limit, maps, out = sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5]
rows = registry.partnerships("partner_country = ?", [code])[:limit]
links = france = None
if maps:
    links, france = static.country_map(rows, code), static.france_map(rows)
t2, c2 = time.perf_counter(), time.process_time()
pdf = render(rows, code, Options(map_image=links, france_image=france))
t3, c3 = time.perf_counter(), time.process_time()
open(out, "wb").write(pdf)
print(json.dumps({"entries": len(rows), "imports": t1 - t0, "maps": t2 - t1, "maps_cpu": c2 - c1,
                  "render": t3 - t2, "render_cpu": c3 - c2, "kb": len(pdf) // 1024}))
"""


def book(registry: Path, code: str, limit: int, maps: bool, out: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", ONE, str(registry), code, str(limit), "1" if maps else "0", str(out)],
                          capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="/tmp/bench-pdf", help="where the PDFs are written")
    parser.add_argument("--no-map", action="store_true", help="typesetting alone")
    parser.add_argument("--countries", default="EG,JP,MA,CN,RU", help="the small books timed")
    args = parser.parse_args()
    instance = Path(os.environ.get("REPERTOIRE_INSTANCE", "instance"))
    registry = instance / "registry.sqlite3"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    import sqlite3
    try:  # read-only: never leaves an empty registry behind
        sizes = sqlite3.connect(f"file:{registry}?mode=ro", uri=True).execute(
            "SELECT partner_country, count(*) FROM partnerships GROUP BY 1 ORDER BY 2 DESC").fetchall()
    except sqlite3.DatabaseError:
        sizes = []
    if not sizes:
        sys.exit(f"{registry}: no partnerships here; set REPERTOIRE_INSTANCE to an instance folder "
                 "made with `repertoire ingest` (for example the demo surveys: make demo)")
    big = sizes[0][0]
    runs = [(code, 10 ** 9) for code in args.countries.split(",")] + [(big, 200), (big, 10 ** 9)]
    missed = 0
    print(f"{'book':<14}{'entries':>8}{'imports':>9}{'maps':>7}{'(cpu)':>7}{'render':>8}{'(cpu)':>7}"
          f"{'book':>7}{'(cpu)':>7}  target")
    for code, limit in runs:
        r = book(registry, code, limit, not args.no_map, out / f"{code.lower()}-{min(limit, 99999)}.pdf")
        total, cpu = r["maps"] + r["render"], r["maps_cpu"] + r["render_cpu"]
        target = next(t for n, t in TARGETS if r["entries"] <= n)
        ok = cpu <= target
        missed += not ok
        print(f"{code:<14}{r['entries']:>8}{r['imports']:>9.2f}{r['maps']:>7.2f}{r['maps_cpu']:>7.2f}"
              f"{r['render']:>8.2f}{r['render_cpu']:>7.2f}{total:>7.2f}{cpu:>7.2f}  ≤ {target:.0f} s "
              f"{'OK' if ok else 'MISSED'} (CPU)")
    print("all targets met (CPU time, maps + typesetting)" if not missed else f"{missed} target(s) missed")


if __name__ == "__main__":
    main()
