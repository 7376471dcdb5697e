"""kill -9 drill (issue 6): an ingest and an index rebuild killed at several moments leave the
registry and the live index as before, and the next run succeeds.

In a temporary instance: ingest the demo surveys, build the index, fingerprint both (counts,
registry version, a hash of every row of partnerships, sources, rejects and history; index:
document count, its ids, the answers to a few searches). Then, each time from that state:
start `repertoire ingest` on a generated survey of 60k rows (tests/bench_ingest.py's
generator) and SIGKILL it while it reads, after its first 50k-row block is written, after
the file's commit, during the index update that follows and in its Whoosh commit; check
PRAGMA integrity_check and the fingerprints, then run the ingest again to its end. Then the
same for `repertoire index` over the big registry (two indexing processes), killed early,
mid-build, in its commit and just before the swap: the live index must answer the same, and
the next `repertoire index` succeed and leave no stale generation. Prints one line per kill;
exits 1 on any failure.

    .venv/bin/python tests/drills/kill9.py [--rows 60000] [--keep]

The processes killed are the real CLI started through this script (`kill9.py child ARGS`),
which only adds markers on stderr as phases begin (`@@ saved`), so that kills land in the
phase named, and can pause at one (`--pause-at state`) to kill at an exact point.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
BIN = Path(sys.executable).parent  # the venv's python runs this script: its repertoire
# The Makefile's DEMO_SURVEYS.
SURVEYS = ["enquete-partenariats-2024.xlsx", "questionnaire-export.csv", "reponses-2019.csv",
           "mise-a-jour-2025.csv", "partenaires-armenie-maroc.csv"]
QUERIES = ["jumelage", "culture", "Allemagne", "Arménie", "eau OU assainissement", "Nishinomya",
           "coopération SAUF Maroc", ""]
TABLES = {"partnerships": "id", "sources": "file_hash, sheet, row", "rejects": "file_hash, sheet, row",
          "history": "id", "aliases": "french_id, partner_country, partner_key"}


# --- the child: the CLI with phase markers ----------------------------------------------

def child(argv: list[str]) -> None:
    """Run the `repertoire` CLI with markers on stderr as phases begin, pausing at one."""
    parser = argparse.ArgumentParser(prog="kill9.py child")
    parser.add_argument("--pause-at", default="", help="PHASE or PHASE:N (its Nth time): stop there")
    parser.add_argument("--chunk-rows", type=int, help="rows per block read (tests use small files)")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    args = options.args[1:] if options.args[:1] == ["--"] else options.args
    pause, _, nth = options.pause_at.partition(":")
    seen: dict[str, int] = {}

    import whoosh.filedb.filestore
    import whoosh.writing

    import index
    import index.build
    import repertoire.ingest
    import repertoire.registry
    import repertoire.surveys
    from app import cli

    if options.chunk_rows:
        repertoire.surveys.CHUNK_ROWS = options.chunk_rows

    def mark(phase: str) -> None:
        seen[phase] = seen.get(phase, 0) + 1
        sys.stderr.write(f"@@ {phase} {seen[phase]}\n")
        sys.stderr.flush()
        if phase == pause and seen[phase] == int(nth or 1):
            while True:
                time.sleep(60)  # until killed

    def wrap(owner, name: str, phase: str, after: bool = False) -> None:
        function = getattr(owner, name)

        def marked(*args, **kwargs):
            if not after:
                mark(phase)
            result = function(*args, **kwargs)
            if after:
                mark(phase)
            return result
        setattr(owner, name, marked)

    wrap(repertoire.ingest, "_record_file", "file")            # a file's transaction has begun
    wrap(repertoire.registry.Registry, "save", "saved", after=True)  # a block of rows written
    wrap(index, "update_index", "update")                      # the ingest's index update
    wrap(index, "build_index", "build")                        # `repertoire index`
    wrap(index.build, "_write_documents", "documents")         # a build indexes its rows
    wrap(whoosh.writing.SegmentWriter, "commit", "commit")     # Whoosh writes segments...
    wrap(whoosh.filedb.filestore.FileStorage, "rename_file", "toc")  # ...and renames its table
    wrap(whoosh.writing.SegmentWriter, "_finish", "finish")    # table renamed, old files not yet removed
    wrap(index.build, "_write_state", "state", after=True)     # a build's last step before the swap
    cli.main(args, prog_name="repertoire")


# --- fingerprints -----------------------------------------------------------------------

def registry_fingerprint(path: Path) -> dict:
    """Integrity, counts, version and a hash of every row of every table."""
    db = sqlite3.connect(path)
    try:
        digest = hashlib.sha256()
        counts = {}
        for table, order in TABLES.items():
            rows = db.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
            counts[table] = len(rows)
            digest.update(repr(rows).encode())
        version = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        return {"integrity": db.execute("PRAGMA integrity_check").fetchone()[0],
                "counts": counts, "version": version[0] if version else None,
                "hash": digest.hexdigest()[:16],
                "ids": {r[0] for r in db.execute("SELECT id FROM partnerships")}}
    finally:
        db.close()


def index_fingerprint(index_dir: Path) -> dict:
    """The live generation's documents and its answers, as a new app process would see them."""
    import index
    from whoosh import index as whoosh_index

    live = index.current_generation(index_dir)
    reader = whoosh_index.open_dir(live).reader()
    try:
        ids = [pid.decode() for docnum, pid in enumerate(reader.column_reader("id"))
               if not reader.is_deleted(docnum)]
    finally:
        reader.close()
    search = index.SearchIndex(index_dir)
    answers = []
    for q in QUERIES:
        result = search.search(index.SearchParams(q, per_page=10))
        answers.append((q, result.total, [h["id"] for h in result.hits]))
    search._state[0].close()
    return {"generation": live.name, "documents": len(ids), "ids": set(ids),
            "answers": answers, "hash": hashlib.sha256(repr((sorted(ids), answers)).encode()).hexdigest()[:16]}


def leftovers(index_dir: Path) -> list[str]:
    """What runs left in the index folder: generations neither live nor previous, and in
    those two, temporary files and segment files that no table of contents names."""
    from whoosh import index as whoosh_index

    kept = {(index_dir / p).read_text().strip() for p in ("CURRENT", "PREVIOUS") if (index_dir / p).exists()}
    found = ["stale " + p.name[:8] + "…" for p in index_dir.glob("gen-*") if p.name not in kept]
    for name in kept:
        generation = index_dir / name
        found += [p.name for p in generation.glob("*.tmp")]
        found += [re.sub(r"toc\..*", "toc.<time>", p.name) for p in generation.glob("_*.toc.*")]
        ix = whoosh_index.open_dir(generation)
        named = {s.segment_id() for s in ix._segments()}
        ix.close()
        orphans = {m.group(1) for p in generation.iterdir()
                   if (m := re.match(r"(MAIN_[0-9a-z]+)\.", p.name)) and m.group(1) not in named}
        found += [f"segment {o} (unnamed)" for o in sorted(orphans)]
    return sorted(found)


# --- running and killing ----------------------------------------------------------------

@dataclass
class Run:
    """A CLI process started through the child mode; its markers, timed from its start."""

    args: list[str]
    env: dict
    pause_at: str = ""
    chunk_rows: int | None = None
    marks: list[tuple[float, str]] = field(default_factory=list)
    output: list[str] = field(default_factory=list)

    def __post_init__(self):
        command = [sys.executable, __file__, "child"]
        if self.pause_at:
            command += ["--pause-at", self.pause_at]
        if self.chunk_rows:
            command += ["--chunk-rows", str(self.chunk_rows)]
        self.start = time.monotonic()
        self.process = subprocess.Popen(command + ["--"] + self.args, env=self.env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, errors="replace")
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            if line.startswith("@@ "):
                self.marks.append((time.monotonic() - self.start, line[3:].strip()))
            else:
                self.output.append(line.rstrip())

    def wait_for(self, mark: str, timeout: float = 300) -> float:
        """Seconds from the start when `mark` ('saved 1') appeared; fails if the run ends first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, name in list(self.marks):
                if name == mark:
                    return at
            if self.process.poll() is not None:
                self.reader.join(5)
                if any(name == mark for _, name in self.marks):
                    continue
                raise RuntimeError(f"ended (code {self.process.returncode}) before {mark!r}: "
                                   + " | ".join(self.output[-5:]))
            time.sleep(0.005)
        raise RuntimeError(f"no {mark!r} within {timeout} s")

    def kill(self) -> tuple[float, str, list[int]]:
        """SIGKILL the CLI process only (not its forked children); when, in which phase, and
        the children it left."""
        children = _children(self.process.pid)
        os.kill(self.process.pid, signal.SIGKILL)
        self.killed = time.monotonic()
        at = self.killed - self.start
        self.process.wait()
        self.reader.join(0.1)  # orphans hold its pipe open until they exit
        phase = self.marks[-1][1] if self.marks else "start-up"
        return at, phase, children

    def finish(self, timeout: float = 600) -> tuple[int, float]:
        code = self.process.wait(timeout)
        self.reader.join(5)
        return code, time.monotonic() - self.start


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _wait_gone(pids: list[int], since: float, timeout: float = 60) -> float:
    """Seconds from `since` (the kill) until the orphaned processes have exited."""
    while any(_state(p) != "Z" for p in pids):
        if time.monotonic() - since > timeout:
            raise RuntimeError(f"orphans {pids} still running after {timeout} s")
        time.sleep(0.002)
    return time.monotonic() - since


def _state(pid: int) -> str:
    """A process's state letter; Z (zombie) for one that exited, reaped or not."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


# --- the drill ----------------------------------------------------------------------------

@dataclass
class Kill:
    """One kill and what came of it."""

    what: str
    at: float = 0.0
    phase: str = ""
    integrity: bool = False
    registry: str = ""
    index: str = ""
    left: str = ""
    next_ok: bool = False
    next_seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class Drill:
    def __init__(self, folder: Path, rows: int):
        self.folder = folder
        self.instance = folder / "instance"
        self.snapshot = folder / "snapshot"
        self.env = os.environ | {"REPERTOIRE_INSTANCE": str(self.instance), "PYTHONUNBUFFERED": "1",
                                   "REPERTOIRE_MAKE_BOOKS_AHEAD": "0"}
        self.registry = self.instance / "registry.sqlite3"
        self.index_dir = self.instance / "index"
        self.rows = rows
        self.kills: list[Kill] = []

    def cli(self, *args: str) -> tuple[int, float, str]:
        start = time.monotonic()
        done = subprocess.run([str(BIN / "repertoire"), *args], env=self.env, capture_output=True, text=True)
        return done.returncode, time.monotonic() - start, (done.stdout + done.stderr)[-2000:]

    def save_snapshot(self) -> None:
        db = sqlite3.connect(self.registry)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        shutil.rmtree(self.snapshot, ignore_errors=True)
        shutil.copytree(self.instance, self.snapshot)

    def restore(self) -> None:
        shutil.rmtree(self.instance)
        shutil.copytree(self.snapshot, self.instance)

    def setup(self) -> None:
        from bench_ingest import scaled_surveys

        self.instance.mkdir()
        code, seconds, output = self.cli("ingest", *[str(ROOT / "tests" / "fixtures" / s) for s in SURVEYS])
        assert code == 0, output
        code, _, output = self.cli("index")
        assert code == 0, output
        # 2/3 of the rows go to the 2019 template: one file of `rows` rows, blocks of 50k.
        self.big = scaled_surveys(self.folder, self.rows * 3 // 2)[0]
        self.before = registry_fingerprint(self.registry), index_fingerprint(self.index_dir)
        self.save_snapshot()
        print(f"Instance: {self.before[0]['counts']['partnerships']} partnerships, index of "
              f"{self.before[1]['documents']} documents; big survey: {self.big.name}, {self.rows} rows.")

    # ingest ------------------------------------------------------------------------------

    def calibrate_ingest(self) -> None:
        run = Run(["ingest", str(self.big)], self.env)
        code, seconds = run.finish()
        assert code == 0, run.output[-5:]
        self.marks = dict((name, at) for at, name in run.marks)
        self.after = registry_fingerprint(self.registry), index_fingerprint(self.index_dir)
        print(f"Whole ingest, not killed: {seconds:.1f} s; phases: "
              + ", ".join(f"{name} {at:.1f}" for name, at in self.marks.items() if name.split()[1] == "1"))
        self.restore()

    def _kill(self, kill: Kill, args: list[str], mark: str, delay: float, pause: str,
              expect: str) -> tuple[Run, list[int]]:
        """Start the CLI, kill it `delay` s after `mark` (or where it pauses). A kill that lands
        past the phase `expect` (this run went faster than the timed one) is tried again, sooner."""
        for attempt in range(4):
            run = Run(args, self.env, pause_at=pause)
            run.wait_for(mark)
            time.sleep(delay)
            if mark == "saved 1":  # another connection still sees the registry as before
                reader = sqlite3.connect(self.registry)
                seen = reader.execute("SELECT count(*) FROM partnerships").fetchone()[0]
                reader.close()
                if seen != self.before[0]["counts"]["partnerships"]:
                    kill.problems.append(f"a reader saw {seen} partnerships during the ingest")
            kill.at, kill.phase, children = run.kill()
            if kill.phase.startswith(expect) or attempt == 3:
                if attempt:
                    kill.what += f" (try {attempt + 1})"
                return run, children
            _wait_gone(children, run.killed)
            self.restore()
            delay /= 3

    def ingest_kill(self, what: str, mark: str, delay: float = 0.0, pause: str = "", expect: str = "") -> None:
        kill = Kill(what)
        self.kills.append(kill)
        try:
            run, _ = self._kill(kill, ["ingest", str(self.big)], mark, delay, pause, expect or mark.split()[0])
            committed = any(name.startswith("update") for _, name in run.marks)
            self._check_after_kill(kill, committed)
            code, kill.next_seconds, output = self.cli("ingest", str(self.big))
            kill.next_ok = code == 0
            if not kill.next_ok:
                kill.problems.append(f"next ingest failed: {output[-300:]}")
            self._check_complete(kill)
        except Exception as error:  # noqa: BLE001 - a drill reports, it does not stop
            kill.problems.append(f"{type(error).__name__}: {error}")
        finally:
            self.restore()
            print(self.line(kill), flush=True)

    def _check_after_kill(self, kill: Kill, committed: bool) -> None:
        registry = registry_fingerprint(self.registry)
        kill.integrity = registry["integrity"] == "ok"
        if not kill.integrity:
            kill.problems.append(f"integrity_check: {registry['integrity']}")
        if not committed:
            same = registry["hash"] == self.before[0]["hash"] and registry["version"] == self.before[0]["version"]
            kill.registry = "as before" if same else "CHANGED"
        else:  # killed in the index update: the file was committed whole before it
            same = registry["counts"] == self.after[0]["counts"]
            kill.registry = "file whole" if same else "PARTIAL"
        if kill.registry in ("CHANGED", "PARTIAL"):
            kill.problems.append(f"registry {kill.registry}: {registry['counts']}")
        live = index_fingerprint(self.index_dir)
        if live["hash"] == self.before[1]["hash"]:
            kill.index = "as before"
        elif committed and live["ids"] == registry["ids"]:
            kill.index = "updated"  # killed after Whoosh renamed its new table of contents
        else:
            kill.index = "CHANGED"
            kill.problems.append(f"index changed: {live['documents']} documents")
        kill.left = ", ".join(leftovers(self.index_dir)) or "-"

    def _check_complete(self, kill: Kill) -> None:
        registry = registry_fingerprint(self.registry)
        if registry["integrity"] != "ok" or registry["counts"] != self.after[0]["counts"]:
            kill.problems.append(f"after the next run: {registry['integrity']} {registry['counts']}")
        live = index_fingerprint(self.index_dir)
        if live["ids"] != registry["ids"]:
            kill.problems.append(f"after the next run the index holds {live['documents']} documents "
                                 f"for {len(registry['ids'])} partnerships")
        if left := leftovers(self.index_dir):
            kill.problems.append(f"left after the next run: {left}")

    # index -------------------------------------------------------------------------------

    def prepare_index_drills(self) -> None:
        """The big file ingested whole; a rebuild timed, not killed."""
        code, _, output = self.cli("ingest", str(self.big))
        assert code == 0, output
        run = Run(["index"], self.env)
        code, seconds = run.finish()
        assert code == 0, run.output[-5:]
        self.build_marks = dict((name, at) for at, name in run.marks)
        self.built = registry_fingerprint(self.registry), index_fingerprint(self.index_dir)
        print(f"Whole rebuild of {self.built[1]['documents']} documents, not killed: {seconds:.1f} s; phases: "
              + ", ".join(f"{name} {at:.1f}" for name, at in self.build_marks.items()))
        self.save_snapshot()

    def index_kill(self, what: str, mark: str, delay: float = 0.0, pause: str = "", expect: str = "") -> None:
        kill = Kill(what)
        self.kills.append(kill)
        try:
            run, children = self._kill(kill, ["index"], mark, delay, pause, expect or mark.split()[0])
            orphans = _wait_gone(children, run.killed)
            registry = registry_fingerprint(self.registry)
            kill.integrity = registry["integrity"] == "ok"
            kill.registry = "as before" if registry["hash"] == self.built[0]["hash"] else "CHANGED"
            live = index_fingerprint(self.index_dir)
            kill.index = "as before" if live["hash"] == self.built[1]["hash"] and \
                live["generation"] == self.built[1]["generation"] else "CHANGED"
            kill.left = (", ".join(leftovers(self.index_dir)) or "-") + \
                (f"; {len(children)} orphan process(es), exited after {orphans * 1000:.0f} ms" if children else "")
            if not kill.integrity or "CHANGED" in (kill.registry, kill.index):
                kill.problems.append(f"registry {kill.registry}, index {kill.index}")
            code, kill.next_seconds, output = self.cli("index")
            kill.next_ok = code == 0
            if not kill.next_ok:
                kill.problems.append(f"next index failed: {output[-300:]}")
            after = index_fingerprint(self.index_dir)
            if after["hash"] != self.built[1]["hash"]:
                kill.problems.append("the next rebuild answers differently")
            if left := leftovers(self.index_dir):
                kill.problems.append(f"left after the next run: {left}")
        except Exception as error:  # noqa: BLE001
            kill.problems.append(f"{type(error).__name__}: {error}")
        finally:
            self.restore()
            print(self.line(kill), flush=True)

    HEADER = (f"{'kill':<44} {'at s':>6}  {'phase':<12} {'integrity':<9} {'registry':<10} {'index':<9} "
              f"{'next run':<12} left by the kill")

    @staticmethod
    def line(k: Kill) -> str:
        text = (f"{k.what:<44} {k.at:>6.2f}  {k.phase:<12} {'ok' if k.integrity else 'FAIL':<9} "
                f"{k.registry:<10} {k.index:<9} {('ok' if k.next_ok else 'FAIL') + f' {k.next_seconds:.1f} s':<12} "
                f"{k.left}")
        return "\n".join([text] + [f"    ! {problem}" for problem in k.problems])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=60_000, help="rows of the big survey (over 50k: two blocks)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kill9-"))
    try:
        drill = Drill(folder, options.rows)
        drill.setup()
        drill.calibrate_ingest()
        print(drill.HEADER)
        m = drill.marks
        drill.ingest_kill("ingest: reading the first block", "file 1", delay=(m["saved 1"] - m["file 1"]) / 3)
        drill.ingest_kill("ingest: first block written, reading on", "saved 1", delay=0.2)
        drill.ingest_kill("ingest: last block written, before commit", "saved 2", pause="saved:2")
        drill.ingest_kill("ingest: committed, update not begun", "update 1", pause="update")
        drill.ingest_kill("ingest: index update adding documents", "update 1",
                          delay=(m["commit 1"] - m["update 1"]) / 2)
        # A large update is a build aside: its first table of contents comes before the commit.
        commit_toc = min((at for name, at in m.items() if name.startswith("toc") and at >= m["commit 1"]),
                         default=m["commit 1"])
        drill.ingest_kill("ingest: index update, Whoosh commit", "commit 1", delay=(commit_toc - m["commit 1"]) / 2)
        drill.ingest_kill("ingest: update, table of contents unrenamed", "toc 1", pause="toc")
        drill.ingest_kill("ingest: update renamed, state not written", "finish 1", pause="finish")
        drill.prepare_index_drills()
        b = drill.build_marks
        drill.index_kill("index: early", "build 1", delay=0.05)
        drill.index_kill("index: mid-build (2 processes)", "documents 1",
                         delay=(b["commit 1"] - b["documents 1"]) / 2)
        renamed = min(at for name, at in b.items() if name.startswith("toc") and at > b["commit 1"])
        drill.index_kill("index: Whoosh commit", "commit 1", delay=(renamed - b["commit 1"]) / 2)
        drill.index_kill("index: state written, just before the swap", "state 1", pause="state")
        failed = [k for k in drill.kills if not k.ok]
        print(f"\n{len(drill.kills) - len(failed)}/{len(drill.kills)} kills recovered.")
        return 1 if failed else 0
    finally:
        if options.keep:
            print(f"Kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        child(sys.argv[2:])
    else:
        sys.exit(main())
