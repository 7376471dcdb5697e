"""Benchmark: ingest of ≥100k survey rows (the samples scaled up); rows/s and peak memory.

    python tests/bench_ingest.py [ROWS]

The sample rows are repeated across other French communes, so that each copy is a new
partnership (as a national survey would be), with the samples' spellings, encodings,
dates and themes. Baseline in the same run: pandas.read_csv of the same files.
"""
from __future__ import annotations

import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from repertoire.ingest import References, ingest_files  # noqa: E402
from repertoire.registry import Registry  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


def scaled_surveys(folder: Path, rows: int) -> list[Path]:
    """Write the 2019 and 2025 templates scaled to `rows` rows, in their own encodings."""
    random.seed(7)
    communes = pd.read_csv(ROOT / "data" / "communes.csv.gz", dtype=str, keep_default_na=False)
    communes = communes[(communes["type"] == "commune") & (communes["population"] != "")]
    communes = communes.sample(n=min(len(communes), max(rows // 20, 100)), random_state=7)
    names = list(zip(communes["nom"], communes["departement"]))
    old = pd.read_csv(FIXTURES / "reponses-2019.csv", sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    new = pd.read_csv(FIXTURES / "mise-a-jour-2025.csv", dtype=str, keep_default_na=False)
    old_rows = rows * 2 // 3
    paths = []
    for table, count, name, sep, encoding, french, dept in (
            (old, old_rows, "bench-2019.csv", ";", "cp1252", "COMMUNE", "DEPT"),
            (new, rows - old_rows, "bench-2025.csv", ",", "utf-8-sig", "Collectivité française", "Département")):
        big = table.sample(n=count, replace=True, random_state=7).reset_index(drop=True)
        picks = [names[i % len(names)] for i in range(count)]
        big[french] = [p[0] for p in picks]
        big[dept] = [p[1] for p in picks]
        path = folder / name
        big.to_csv(path, sep=sep, encoding=encoding, index=False, errors="replace")
        paths.append(path)
    return paths


def main(rows: int = 100_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = scaled_surveys(folder, rows)
        start = time.perf_counter()
        for path, sep, enc in zip(paths, (";", ","), ("cp1252", "utf-8-sig")):
            pd.read_csv(path, sep=sep, encoding=enc, dtype=str)
        baseline = time.perf_counter() - start
        references = References()
        references.gazetteer.place("Berlin", "DE")  # load reference data outside the timing
        registry = Registry(folder / "bench.sqlite3")
        start = time.perf_counter()
        reports = ingest_files(registry, paths, references)
        elapsed = time.perf_counter() - start
        read = sum(r.read for r in reports)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        for r in reports:
            print(f"  {r.source}: {r.read} read, {r.accepted} accepted, {r.merged} merged, {r.rejected} rejected")
        print(f"rows: {read}  time: {elapsed:.1f} s  rate: {read / elapsed:,.0f} rows/s  "
              f"peak RSS: {peak:,.0f} MB  partnerships: {registry.count()}")
        print(f"baseline pandas.read_csv: {baseline:.2f} s; ingest / read_csv = {elapsed / baseline:.1f}×")
        start = time.perf_counter()
        again = ingest_files(registry, paths, references)
        print(f"second ingest (nothing changes): {time.perf_counter() - start:.1f} s, "
              f"{sum(r.unchanged for r in again)} rows unchanged")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
