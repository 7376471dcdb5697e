"""Load drill (issues 6 and 13): clients search while heavy requests run and the index is
rebuilt, with 0 errors and a search p95 under 300 ms.

In a temporary instance: ingest the demo surveys, build the index, start gunicorn with the
repository's gunicorn.conf.py on a free loopback port, then for --duration seconds
--clients threads search /recherche and /api/search over keep-alive connections (names from
the registry, countries, themes, typos, facets, pages), while `repertoire index` rebuilds
the index over and over and a monitor polls /healthz. Prints latency percentiles overall,
during rebuilds and between them; exits 1 on any error (a status other than 200, a body
that is not a result, a connection error, a timeout, a failed rebuild, /healthz not ok).

Issue 13: --heavy clients (4) meanwhile ask, one after the other, what starved everyone before:
the book of the biggest partner country (cold: it is made by a background job while the
request answers 503 Retry-After), an unknown country's book (404 at once), a CSV export of the
whole registry (one per client, two in all: 429 Retry-After when taken), the map of every
link (/carte), the biggest country's page and the map by country. For them an error is a
5xx other than a 503 with Retry-After, a 4xx other than the designed 404/429, a connection
error or a timeout. --rows N adds a generated survey of N rows (tests/bench_ingest.py) so that
the heavy requests are heavy. The drill fails if the search p95 is 300 ms or more.

    .venv/bin/python tests/drills/load.py [--duration 60] [--clients 20] [--heavy 4] [--rows 30000]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the venv's python runs this script: its repertoire, gunicorn
# The Makefile's DEMO_SURVEYS.
SURVEYS = ["enquete-partenariats-2024.xlsx", "questionnaire-export.csv", "reponses-2019.csv",
           "mise-a-jour-2025.csv", "partenaires-armenie-maroc.csv"]
HOST = "127.0.0.1"

# What people type: places in French, countries, themes, operators, and typos.
QUERIES = [
    "jumelage", "coopération", "Allemagne", "Japon", "Maroc", "Sénégal", "Arménie", "Burkina Faso",
    "Québec", "Italie", "eau", "eau et assainissement", "culture", "jeunesse", "éducation",
    "santé", "gouvernance locale", "agriculture", "francophonie", "déchets", "jumelage ET culture",
    "eau OU assainissement", "coopération SAUF Maroc", "Saint-Étienne", "Villeneuve", "Nancy",
    "Lyon", "Bordeaux", "Karlsruhe", "München", "Munchen", "Kyoto", "Kyotto", "Nishinomya",
    "Marrakech", "Erevan", "Ouagadougou", "Cracovie", "Séville", "jumellage", "cooperation eau",
    "echanges scolaires", "région Bretagne", "amitié", "2019", "depuis 1965", "",
]
THEMES = ["culture", "education", "jeunesse", "economie", "agriculture", "eau", "environnement",
          "sante", "gouvernance", "urbanisme", "francophonie", "ecsi"]
KINDS = ["jumelage", "cooperation", "amitie", "intention", "contact"]
STATUSES = ["actif", "en_sommeil", "termine"]
SORTS = ["relevance", "name", "year", "-year"]


@dataclass
class Sample:
    """One request as a client saw it."""

    path: str
    start: float
    end: float
    error: str | None = None

    @property
    def ms(self) -> float:
        return (self.end - self.start) * 1000


@dataclass
class Rebuild:
    start: float
    end: float
    code: int
    output: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def prepare_instance(instance: Path, env: dict, rows: int = 0) -> None:
    """Ingest the demo surveys (and `rows` generated rows) into `instance`; build its index."""
    files = [str(ROOT / "tests" / "fixtures" / name) for name in SURVEYS]
    if rows:
        sys.path.insert(0, str(ROOT / "tests"))
        from bench_ingest import scaled_surveys
        instance.mkdir(parents=True, exist_ok=True)
        files += [str(p) for p in scaled_surveys(instance.parent, rows)]
    for command in ([str(BIN / "repertoire"), "ingest", *files], [str(BIN / "repertoire"), "index"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
        if done.returncode:
            sys.exit(f"{' '.join(command[:2])} failed:\n{done.stdout}{done.stderr}")


def vocabulary(instance: Path) -> dict[str, list[str]]:
    """Names, countries and régions of the registry, for queries that find something."""
    db = sqlite3.connect(f"file:{instance / 'registry.sqlite3'}?mode=ro", uri=True)
    try:
        def column(sql: str) -> list[str]:
            return [row[0] for row in db.execute(sql) if row[0]]
        return {
            "names": column("SELECT french_name FROM partnerships ORDER BY random() LIMIT 60")
            + column("SELECT partner_name FROM partnerships ORDER BY random() LIMIT 60"),
            "countries": column("SELECT partner_country FROM partnerships GROUP BY 1 ORDER BY count(*) DESC LIMIT 25"),
            "regions": column("SELECT DISTINCT region FROM partnerships LIMIT 20"),
        }
    finally:
        db.close()


def search_path(rng: random.Random, words: dict[str, list[str]]) -> str:
    """A search as people make them: mostly text, some facets, sorts and later pages."""
    endpoint = rng.choice(["/recherche", "/api/search"])
    roll = rng.random()
    q = rng.choice(words["names"]) if roll < 0.35 else rng.choice(QUERIES)
    if roll < 0.45 and len(q) > 5 and rng.random() < 0.3:  # a typo: two letters swapped
        i = rng.randrange(len(q) - 2)
        q = q[:i] + q[i + 1] + q[i] + q[i + 2:]
    args: list[tuple[str, str]] = [("q", q)] if q else []
    if rng.random() < 0.35:
        facet, values = rng.choice([("country", words["countries"]), ("theme", THEMES), ("kind", KINDS),
                                    ("status", STATUSES), ("region", words["regions"])])
        if values:
            args.append((facet, rng.choice(values)))
    if rng.random() < 0.15:
        args.append(("sort", rng.choice(SORTS)))
    if rng.random() < 0.2:
        args.append(("page", str(rng.randint(2, 6))))
    if endpoint == "/api/search" and rng.random() < 0.2:
        args.append(("per_page", str(rng.choice([10, 50, 100]))))
    if endpoint == "/recherche" and rng.random() < 0.1:
        args.append(("lang", "en"))
    return endpoint + ("?" + urlencode(args) if args else "")


def check(path: str, status: int, body: bytes) -> str | None:
    """Why an answer is not a good one, or None."""
    if status != 200:
        return f"HTTP {status}"
    if path.startswith("/api/"):
        try:
            return None if "total" in json.loads(body) else "JSON without total"
        except ValueError:
            return "not JSON"
    return None if b"</html>" in body else "truncated page"


def fetch(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", path, headers={"User-Agent": "repertoire-load-drill"})
    response = conn.getresponse()
    return response.status, response.read()


def client(seed: int, port: int, deadline: float, timeout: float, words, out: list[Sample]) -> None:
    """One client: requests back to back on a keep-alive connection until the deadline."""
    rng = random.Random(seed)
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    while time.monotonic() < deadline:
        path = search_path(rng, words)
        start = time.monotonic()
        try:
            status, body = fetch(conn, path)
            error = check(path, status, body)
        except (OSError, http.client.HTTPException) as exc:  # reset, refused, timeout, bad answer
            error = f"{type(exc).__name__}: {exc}"
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        out.append(Sample(path, start, time.monotonic(), error))
    conn.close()


def heavy_paths(words: dict[str, list[str]]) -> list[str]:
    """What starved everyone in issue 13, biggest country first."""
    top = words["countries"][0]
    return [f"/pays/{top}/repertoire.pdf", "/pays/ZZ/repertoire.pdf", "/recherche/export.csv?q=",
            "/carte", f"/pays/{top}", "/carte/repartition/pays", f"/pays/{top}/repertoire.pdf"]


def heavy_check(path: str, status: int, headers, body: bytes) -> str | None:
    """Designed answers pass: 200, the unknown country's 404, 429 and 503 with Retry-After."""
    if status == 200:
        return None if len(body) > 0 else "empty body"
    if status == 404 and "/ZZ/" in path:
        return None
    if status in (429, 503) and headers.get("Retry-After"):
        return None
    return f"HTTP {status}"


def heavy_client(seed: int, port: int, deadline: float, timeout: float, words, out: list[Sample],
                 statuses: dict) -> None:
    """One client asking the heavy requests in turn, back to back, reading each answer whole."""
    paths = heavy_paths(words)
    i = seed
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    while time.monotonic() < deadline:
        path = paths[i % len(paths)]
        i += 1
        start = time.monotonic()
        try:
            conn.request("GET", path, headers={"User-Agent": "repertoire-load-drill", "Accept-Encoding": "gzip"})
            response = conn.getresponse()
            body = response.read()
            error = heavy_check(path, response.status, response.headers, body)
            key = (path.split("?")[0], response.status)
            statuses[key] = statuses.get(key, 0) + 1
            if response.will_close:
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        out.append(Sample(path, start, time.monotonic(), error))
    conn.close()


def rebuilder(env: dict, deadline: float, pause: float, out: list[Rebuild]) -> None:
    """`repertoire index` (full rebuild, swapped in) again and again, `pause` s apart."""
    while time.monotonic() < deadline:
        start = time.monotonic()
        done = subprocess.run([str(BIN / "repertoire"), "index"], env=env, capture_output=True, text=True,
                              cwd=ROOT, timeout=300)
        out.append(Rebuild(start, time.monotonic(), done.returncode, (done.stdout + done.stderr).strip()))
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))


def monitor(port: int, deadline: float, timeout: float, out: list[Sample], generations: set[str]) -> None:
    """/healthz twice a second: 200 and status ok throughout."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    while time.monotonic() < deadline:
        start = time.monotonic()
        try:
            status, body = fetch(conn, "/healthz")
            health = json.loads(body) if status == 200 else {}
            error = None if health.get("status") == "ok" else f"HTTP {status} {body[:200]!r}"
            generations.add((health.get("index") or {}).get("generation") or "")
        except (OSError, http.client.HTTPException, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        out.append(Sample("/healthz", start, time.monotonic(), error))
        time.sleep(0.5)
    conn.close()


def start_server(port: int, env: dict, log, log_path: Path) -> tuple[subprocess.Popen, float]:
    """gunicorn with the repository's gunicorn.conf.py; returns once /healthz answers 200 and
    every worker has warmed up. Clients connecting before that would all keep their
    connections to the first worker ready, and the other would sit idle through the drill."""
    start = time.monotonic()
    server = subprocess.Popen([str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
                               "--bind", f"{HOST}:{port}", "app:create_app()"],
                              env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    while time.monotonic() - start < 60:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with code {server.returncode}; see its log")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            status, _ = fetch(conn, "/healthz")
            conn.close()
            if status == 200 and all_warm(log_path):
                return server, time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.1)
    server.kill()
    sys.exit("gunicorn did not answer /healthz within 60 s")


def all_warm(log_path: Path) -> bool:
    """Whether every worker booted so far has made its warm-up search (gunicorn.conf.py)."""
    booted, warm = set(), set()
    for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if "Booting worker" in str(record.get("message")):
            booted.add(record.get("pid"))
        elif record.get("request_id") == "warm-up" and record.get("path") == "/recherche":
            warm.add(record.get("pid"))
    return bool(booted) and booted <= warm


def stop_jobs(instance: Path) -> None:
    """End the background jobs the server started (books being made), recorded with their
    pid in the instance's jobs table, before the instance folder goes."""
    path = instance / "jobs.sqlite3"
    if not path.exists():
        return
    db = sqlite3.connect(path)
    try:
        pids = [row[0] for row in db.execute("SELECT pid FROM jobs WHERE status IN ('queued', 'running') AND pid")]
    finally:
        db.close()
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGTERM)  # started in a session of its own (web/jobs.py)
        except (ProcessLookupError, PermissionError):
            pass


def stop_server(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=40)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted `values`."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, int(round(share * len(values) + 0.5)) - 1))]


def row(label: str, samples: list[Sample], seconds: float) -> str:
    ms = sorted(s.ms for s in samples)
    errors = sum(1 for s in samples if s.error)
    rate = len(samples) / seconds if seconds else 0
    figures = [percentile(ms, p) for p in (0.5, 0.95, 0.99)] + [ms[-1] if ms else float("nan")]
    return (f"{label:<22}{len(samples):>9}{errors:>8}{rate:>9.1f}"
            + "".join(f"{v:>9.0f}" for v in figures))


def server_log_figures(path: Path, since: float) -> dict:
    """What gunicorn's stderr held: JSON lines or not, request records, errors; the
    durations of the searches made from `since` (a time.time(), after the warm-up)."""
    figures = {"json": 0, "other": 0, "requests": 0, "5xx": 0, "error_records": 0, "durations": [], "workers": {}}
    examples = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            figures["other"] += 1
            examples.append(line)
            continue
        figures["json"] += 1
        if record.get("logger") == "repertoire.requests":
            figures["requests"] += 1
            figures["5xx"] += record.get("status", 0) >= 500
            if record.get("path") in ("/recherche", "/api/search") and record.get("request_id") != "warm-up" \
                    and datetime.fromisoformat(record["time"]).timestamp() >= since:
                figures["durations"].append(record.get("duration_ms") or 0.0)
                figures["workers"][record["pid"]] = figures["workers"].get(record["pid"], 0) + 1
        if record.get("level") in ("ERROR", "CRITICAL"):
            figures["error_records"] += 1
            examples.append(line[:300])
    figures["examples"] = examples[:5]
    return figures


def run(args) -> int:
    """The drill: instance, server, load, report; 0 when nothing failed."""
    workdir = Path(tempfile.mkdtemp(prefix="repertoire-load-"))
    instance = workdir / "instance"
    env = dict(os.environ, REPERTOIRE_INSTANCE=str(instance), REPERTOIRE_MAKE_BOOKS_AHEAD="0")
    server = None
    load = os.getloadavg()[0]  # the machine's own load: other work skews the figures
    try:
        prepare_instance(instance, env, args.rows)
        words = vocabulary(instance)
        port = free_port()
        log_path = workdir / "gunicorn.log"
        with log_path.open("wb") as log:
            server, startup = start_server(port, env, log, log_path)
            samples, health, rebuilds, generations = [], [], [], set()
            begin, wall = time.monotonic(), time.time()
            deadline = begin + args.duration
            per_client: list[list[Sample]] = [[] for _ in range(args.clients)]
            threads = [threading.Thread(target=client, args=(args.seed + i, port, deadline, args.timeout, words,
                                                             per_client[i])) for i in range(args.clients)]
            heavy: list[list[Sample]] = [[] for _ in range(args.heavy)]
            statuses: dict = {}
            threads += [threading.Thread(target=heavy_client, args=(i, port, deadline, args.heavy_timeout, words, heavy[i],
                                                                   statuses)) for i in range(args.heavy)]
            if args.pause >= 0:
                threads.append(threading.Thread(target=rebuilder, args=(env, deadline, args.pause, rebuilds)))
            threads.append(threading.Thread(target=monitor, args=(port, deadline, args.timeout, health, generations)))
            for thread in threads:
                thread.start()
            while any(t.is_alive() for t in threads):
                time.sleep(1)
                elapsed = time.monotonic() - begin
                if int(elapsed) % 10 == 0 and elapsed < args.duration:
                    done = sum(len(c) for c in per_client)
                    failed = sum(1 for c in per_client for s in c if s.error)
                    print(f"  {elapsed:4.0f} s: {done} requests, {failed} errors, {len(rebuilds)} rebuilds",
                          file=sys.stderr)
            samples = [s for c in per_client for s in c]
            seconds = max((s.end for s in samples), default=deadline) - begin  # the clients' window
            stop_server(server)
            server = None
        heavy_samples = [s for c in heavy for s in c]
        report(args, samples, health, rebuilds, generations, begin, seconds, startup, load, log_path, wall)
        report_heavy(heavy_samples, statuses, seconds)
        failed = [s for s in samples + health + heavy_samples if s.error] + [r for r in rebuilds if r.code]
        p95 = percentile(sorted(s.ms for s in samples), 0.95)
        ok = not failed and (args.pause < 0 or any(r.code == 0 for r in rebuilds)) and p95 < args.p95
        print(f"PASS: 0 errors, search p95 {p95:.0f} ms" if ok else "FAIL: " + (
            f"{len(failed)} errors" if failed else f"search p95 {p95:.0f} ms" if p95 >= args.p95 else "no rebuild completed"))
        return 0 if ok else 1
    finally:
        if server is not None:
            stop_server(server)
        stop_jobs(instance)
        if args.keep:
            print(f"kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def report(args, samples, health, rebuilds, generations, begin, seconds, startup, load, log_path, wall) -> None:
    """The table: latencies overall, during rebuilds and between them, per endpoint."""
    def during(s: Sample) -> bool:
        return any(s.start < r.end and s.end > r.start for r in rebuilds)

    completed = [r for r in rebuilds if r.code == 0]
    busy = sum(max(0.0, min(r.end, begin + seconds) - max(r.start, begin)) for r in rebuilds)
    print(f"\nLoad drill: {args.clients} searching clients, {args.heavy} heavy, {args.rows} generated rows, {seconds:.0f} s, gunicorn.conf.py on {HOST} "
          f"(ready in {startup:.1f} s); {os.cpu_count()} cores, load average {load:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after")
    print(f"{'':<22}{'requests':>9}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    print(row("all searches", samples, seconds))
    print(row("  during rebuilds", [s for s in samples if during(s)], busy))
    print(row("  between rebuilds", [s for s in samples if not during(s)], seconds - busy))
    print(row("  /recherche (HTML)", [s for s in samples if s.path.startswith("/recherche")], seconds))
    print(row("  /api/search (JSON)", [s for s in samples if s.path.startswith("/api/")], seconds))
    print(row("/healthz (monitor)", health, seconds))
    logs = server_log_figures(log_path, wall)
    inside = sorted(logs["durations"])
    print(f"{'in the app (log)':<22}{len(inside):>9}{'':>8}{'':>9}"
          + "".join(f"{percentile(inside, p):>9.0f}" for p in (0.5, 0.95, 0.99))
          + f"{inside[-1] if inside else float('nan'):>9.0f}")
    times = sorted(r.end - r.start for r in completed)
    print(f"rebuilds: {len(completed)} completed, {len(rebuilds) - len(completed)} failed"
          + (f", {percentile(times, 0.5):.1f} s median (process start to swap), busy {busy:.0f} of {seconds:.0f} s"
             if times else ""))
    print(f"index generations seen by /healthz: {len(generations - {''})}")
    print(f"server log: {logs['json']} JSON lines, {logs['other']} other lines, {logs['requests']} request "
          f"records, {logs['5xx']} with status 5xx, {logs['error_records']} ERROR records; searches per "
          f"worker: {', '.join(str(n) for n in logs['workers'].values())}")
    for line in logs["examples"]:
        print(f"    {line}")
    errors: dict[str, int] = {}
    for s in samples + health:
        if s.error:
            errors[s.error[:120]] = errors.get(s.error[:120], 0) + 1
    for error, count in sorted(errors.items(), key=lambda e: -e[1])[:10]:
        print(f"  {count:>6} × {error}")
    for r in rebuilds:
        if r.code:
            print(f"  rebuild failed ({r.code}): {r.output[-500:]}")


def report_heavy(samples: list[Sample], statuses: dict, seconds: float) -> None:
    """The heavy requests: latencies per address, and the answers they got."""
    if not samples:
        return
    print(f"{'heavy requests':<22}{'requests':>9}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for path in sorted({s.path for s in samples}):
        print(row("  " + path[:20], [s for s in samples if s.path == path], seconds))
    print("heavy answers: " + ", ".join(f"{path} {status} ×{n}" for (path, status), n in sorted(statuses.items())))
    errors: dict[str, int] = {}
    for s in samples:
        if s.error:
            errors[f"{s.path}: {s.error}"[:160]] = errors.get(f"{s.path}: {s.error}"[:160], 0) + 1
    for error, count in sorted(errors.items(), key=lambda e: -e[1])[:10]:
        print(f"  {count:>6} × {error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (default 60)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent searching clients (default 20)")
    parser.add_argument("--heavy", type=int, default=4, help="clients asking the heavy requests of issue 13 (default 4)")
    parser.add_argument("--rows", type=int, default=0, help="generated survey rows added to the demo surveys (default 0)")
    parser.add_argument("--p95", type=float, default=300, help="search p95 (ms) at or above which the drill fails")
    parser.add_argument("--pause", type=float, default=2.0,
                        help="seconds between two rebuilds, so that some load falls between them (default 2; "
                             "negative: no rebuild)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds before a request counts as failed")
    parser.add_argument("--heavy-timeout", type=float, default=330,
                        help="seconds before a heavy request counts as failed (default 330: the README's proxy_read_timeout, "
                             "above the app's own budgets: 30 s, exports 300 s)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance and the server log")
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
