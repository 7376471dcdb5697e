"""Benchmark of `repertoire ingest` on the issue-10 corpus: each stage's rows/s, and the command.

    .venv/bin/python tests/bench_ingest.py [--rows 100000] [--part all|stages|command]

The corpus is `../shared/tools/make_scale.py N` (real communes, real partner names, texts
with the French word frequencies of the field), written into a temporary folder. In a clone
without `../shared` the bench says so and falls back to the sample surveys scaled up.

Two parts, with a baseline measured in the same run (`pandas.read_csv` of the same file, the
median of three) so that figures on a shared machine read as ratios:

- **stages**, in this process: reading, normalising, resolution (French places and
  countries, then the partner gazetteer), recording (rows → records and provenance, and
  handing them to the index feed), writing to SQLite (inserts and the commit), and what the
  index takes after the last commit (index/feed.py: a forked process indexes the rows while
  they are recorded; this is the rest, onto an index of the sample surveys, as on an
  instance in use); rows/s, wall and CPU each (CPU counts the forked process once it ended).
- **command**: `repertoire ingest FILE` in a subprocess with its own `REPERTOIRE_INSTANCE`,
  from start to prompt, index included: on a new instance (the first build) and on an
  instance whose index holds the sample surveys (an update). Wall, CPU (the process and its
  children) and peak RSS. Goal (issue 10): ≤ 15 s for 100,000 rows on 2 cores.
"""
from __future__ import annotations

import argparse
import compileall
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import repertoire.ingest as ingest_module  # noqa: E402
from index import IndexFeed, update_index  # noqa: E402
from repertoire.columns import ColumnMap  # noqa: E402
from repertoire.ingest import References, ingest_files  # noqa: E402
from repertoire.registry import Registry  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
MAKE_SCALE = ROOT.parent / "shared" / "tools" / "make_scale.py"
SAMPLES = sorted(FIXTURES.glob("*.csv")) + sorted(FIXTURES.glob("*.xlsx"))
GOAL_SECONDS = 15.0


def cpu() -> float:
    """CPU seconds of this process and of its children that ended (forked index writers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# --- the corpus ----------------------------------------------------------------------

def corpus(folder: Path, rows: int, tool: Path) -> tuple[list[Path], str]:
    """The issue-10 corpus, or the scaled samples when `../shared` is not there."""
    if tool.is_file():
        path = folder / "scale.csv"
        subprocess.run([sys.executable, str(tool), str(rows), str(path)], check=True,
                       stdout=subprocess.DEVNULL)
        return [path], f"make_scale.py {rows} (real communes, real partner names, Zipf texts)"
    print(f"NOTE: {tool} is not there (a clone without ../shared): the figures below are on the "
          f"sample surveys scaled to {rows} rows, NOT on the issue-10 corpus; compare them with nothing else.")
    return scaled_surveys(folder, rows), f"sample surveys scaled to {rows} rows (fallback)"


def scaled_surveys(folder: Path, rows: int) -> list[Path]:
    """The 2019 and 2025 templates scaled to `rows` rows, in their own encodings, each copy
    moved to another French commune so that it makes a new partnership."""
    random.seed(7)
    communes = pd.read_csv(ROOT / "repertoire" / "data" / "communes.csv.gz", dtype=str, keep_default_na=False)
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


def baseline(paths: list[Path]) -> tuple[float, float]:
    """Wall and CPU seconds of `pandas.read_csv` of the files as text (median of three)."""
    walls, cpus = [], []
    for _ in range(3):
        wall, used = time.perf_counter(), cpu()
        for path in paths:
            with open(path, "rb") as handle:
                head = handle.read(4096)
            encoding = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") or _is_utf8(head) else "cp1252"
            separator = ";" if head.split(b"\n")[0].count(b";") > head.split(b"\n")[0].count(b",") else ","
            pd.read_csv(path, sep=separator, encoding=encoding, dtype=str, encoding_errors="replace")
        walls.append(time.perf_counter() - wall)
        cpus.append(cpu() - used)
    return statistics.median(walls), statistics.median(cpus)


def _is_utf8(head: bytes) -> bool:
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


# --- stages, in this process ----------------------------------------------------------

class Stages:
    """Wall and CPU seconds spent in each stage, summed over calls."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)

    @contextmanager
    def timing(self, stage: str):
        wall, used = time.perf_counter(), cpu()
        try:
            yield
        finally:
            self.wall[stage] += time.perf_counter() - wall
            self.cpu[stage] += cpu() - used

    def wrap(self, stage: str, function):
        def timed(*args, **kwargs):
            with self.timing(stage):
                return function(*args, **kwargs)
        return timed

    def wrap_iterator(self, stage: str, function):
        """A generator function timed while it computes each item, not while its caller works."""
        def timed(*args, **kwargs):
            items = iter(function(*args, **kwargs))
            while True:
                with self.timing(stage):
                    item = next(items, StopIteration)
                if item is StopIteration:
                    return
                yield item
        return timed


class TimedConnection:
    """An sqlite3 connection whose commits are timed as writing (the connection's own
    methods cannot be replaced)."""

    def __init__(self, connection, stages: Stages) -> None:
        self._connection, self._stages = connection, stages

    def commit(self) -> None:
        with self._stages.timing("write"):
            self._connection.commit()

    def __getattr__(self, name):
        return getattr(self._connection, name)


@contextmanager
def instrumented(stages: Stages):
    """The ingest's stages timed where ingest.py calls them; put back afterwards.

    A name that moved makes this fail (AttributeError) rather than report a stage as free."""
    replaced = {
        "read_survey": stages.wrap_iterator("read", ingest_module.read_survey),
        "normalize_frame": stages.wrap("normalise", ingest_module.normalize_frame),
        "resolve_places": stages.wrap("resolve: French places, countries", ingest_module.resolve_places),
        "place_partner": stages.wrap("resolve: partner gazetteer", ingest_module.place_partner),
    }
    originals = {name: getattr(ingest_module, name) for name in replaced}
    save = Registry.save
    for name, function in replaced.items():
        setattr(ingest_module, name, function)
    Registry.save = stages.wrap("write", save)
    try:
        yield
    finally:
        for name, function in originals.items():
            setattr(ingest_module, name, function)
        Registry.save = save


def run_stages(paths: list[Path], folder: Path, rows_label: str, base: tuple[float, float]) -> None:
    wall, used = time.perf_counter(), cpu()
    references = References()
    references.gazetteer.place("Berlin", "DE")  # the gazetteer loads lazily
    columns = ColumnMap.load()
    loading = (time.perf_counter() - wall, cpu() - used)
    registry = Registry(folder / "stages.sqlite3")
    index_dir = folder / "stages-index"
    ingest_files(registry, SAMPLES, references, columns)
    update_index(registry, index_dir)  # an index in use, as on an instance
    registry.db = TimedConnection(registry.db, stages := Stages())
    # As the command does: the rows handed to the index feed as they are saved (another
    # process indexes them meanwhile), the index finished after the last commit.
    with IndexFeed(registry, index_dir) as feed:
        with instrumented(stages):
            with stages.timing("total ingest"):
                reports = ingest_files(registry, paths, references, columns, saved=feed.add)
        with stages.timing("index (after the last commit)"):
            indexed = feed.finish()
    read = sum(r.read for r in reports)
    for r in reports:
        print(f"  {r.source}: {r.read} read, {r.accepted} accepted, {r.merged} merged, {r.rejected} rejected"
              + (f"; ERROR {r.error}" if r.error else ""))
    inner = [s for s in stages.wall if s not in ("total ingest", "index (after the last commit)")]
    stages.wall["record (rows → records, provenance)"] = stages.wall["total ingest"] - sum(stages.wall[s] for s in inner)
    stages.cpu["record (rows → records, provenance)"] = stages.cpu["total ingest"] - sum(stages.cpu[s] for s in inner)
    print(f"\nStages, in this process ({rows_label}); reference data loaded first in {loading[0]:.1f} s "
          f"({loading[1]:.1f} s CPU). Baseline pandas.read_csv: {base[0]:.2f} s wall, {base[1]:.2f} s CPU.")
    print(f"  {'stage':<38} {'rows/s':>10} {'wall s':>8} {'× base':>7} {'CPU s':>7} {'× base':>7}")
    order = ["read", "normalise", "resolve: French places, countries", "resolve: partner gazetteer",
             "record (rows → records, provenance)", "write", "total ingest", "index (after the last commit)"]
    for stage in order:
        w, c = stages.wall[stage], stages.cpu[stage]
        rate = f"{read / w:,.0f}" if w > 0 else "—"
        print(f"  {stage:<38} {rate:>10} {w:8.2f} {w / base[0]:7.1f} {c:7.2f} {c / base[1]:7.1f}")
    print(f"  index update: {indexed.documents} documents ({'full build' if indexed.full else 'update'}); "
          f"peak RSS of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    with stages.timing("again"):
        again = ingest_files(registry, paths, references, columns)
    print(f"  second ingest of the same file (nothing changes): {stages.wall['again']:.1f} s, "
          f"{sum(r.unchanged for r in again)} rows unchanged")
    registry.close()


# --- the command -----------------------------------------------------------------------

def run_command(arguments: list[str], instance: Path) -> tuple[float, float, float, str]:
    """`repertoire …` in a subprocess: wall s, CPU s (with its children), peak RSS MB, output."""
    # The command runs this tree's code, as the stages do (the venv may point at another clone).
    # The books made ahead after an ingest are a background job the user does not wait for:
    # off here, so that it does not take the cores from the next run.
    environment = dict(os.environ, REPERTOIRE_INSTANCE=str(instance), REPERTOIRE_MAKE_BOOKS_AHEAD="0",
                       PYTHONPATH=os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH")))))
    wall = time.perf_counter()
    process = subprocess.Popen([str(Path(sys.executable).parent / "repertoire"), *arguments], env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    output = process.stdout.read()
    process.stdout.close()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - wall
    # wait4 counts the process and the children it waited for (the index writers); Linux
    # gives the largest resident set among them.
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output


def run_commands(paths: list[Path], folder: Path, rows: int, base: tuple[float, float]) -> None:
    print(f"\nThe command `repertoire ingest` in a subprocess, start to prompt, index included "
          f"(goal ≤ {GOAL_SECONDS:.0f} s for 100,000 rows):")
    print(f"  {'instance':<34} {'wall s':>7} {'× base':>7} {'CPU s':>7} {'× base':>7} {'rows/s':>8} {'peak MB':>8}")
    # A user's machine runs the project's modules from their bytecode, which Python writes the
    # first time it imports them (pip writes it at install). Where PYTHONDONTWRITEBYTECODE is
    # set (these sandboxes), every run would compile them all again (0.3 s): written here once.
    for package in ("repertoire", "index", "web", "maps"):
        compileall.compile_dir(ROOT / package, quiet=1)
    compileall.compile_file(ROOT / "app.py", quiet=1)
    seeded = folder / "instance-in-use"
    run_command(["ingest", *map(str, SAMPLES)], seeded)
    for label, instance in (("new (first index build)", folder / "instance-new"),
                            ("in use (index update)", seeded)):
        wall, used, peak, output = run_command(["ingest", *map(str, paths)], instance)
        print(f"  {label:<34} {wall:7.1f} {wall / base[0]:7.1f} {used:7.1f} {used / base[1]:7.1f} "
              f"{rows / wall:8,.0f} {peak:8,.0f}")
        for line in output.splitlines():
            if line.startswith(("Registry:", "Index:")):
                print(f"      {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the corpus (default 100,000)")
    parser.add_argument("--part", choices=("all", "stages", "command"), default="all")
    parser.add_argument("--make-scale", type=Path, default=MAKE_SCALE, help=f"the corpus generator (default {MAKE_SCALE})")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths, label = corpus(folder, options.rows, options.make_scale)
        base = baseline(paths)
        print(f"Corpus: {label}; {sum(p.stat().st_size for p in paths) / 1e6:.1f} MB. "
              f"Baseline pandas.read_csv: {base[0]:.2f} s wall, {base[1]:.2f} s CPU "
              f"({options.rows / base[0]:,.0f} rows/s).")
        if options.part in ("all", "command"):
            run_commands(paths, folder, options.rows, base)
        if options.part in ("all", "stages"):
            run_stages(paths, folder, label, base)


if __name__ == "__main__":
    main()
