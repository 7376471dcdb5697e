"""Benchmark of the search (not a pytest test): relevance, build time, latency, and SQLite FTS5.

Relevance: the judged queries of `tests/fixtures/judged_queries.json` (what staff and
mayors' offices type: themes, countries and their adjectives, continents, country groups,
French and foreign names, exonyms, Saint/St variants, typos, a country with a theme, English
words) run on the sample surveys; each query says what the partnerships it asks for are
(`country`, `theme`, `french` name…), and a partnership's gain is the share of those it
meets. Reported: nDCG@10 and the share of queries whose first result is one of the best.

Speed: synthetic registries of 13k and 100k partnerships are drawn from the sample surveys'
names, countries and themes; the same 200 queries (with facets) run against the index/
engine and against SQLite FTS5 (`unicode61 remove_diacritics 2`) on the same text.

    .venv/bin/python tests/bench_search.py [--sizes 13000 100000] [--out /tmp/bench]
    .venv/bin/python tests/bench_search.py --relevance [--show 20]   # relevance only
"""
from __future__ import annotations

import argparse
import json
import math
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from index import SearchIndex, SearchParams, build_index  # noqa: E402
from index.labels import countries  # noqa: E402
from index.schema import text  # noqa: E402
from repertoire.ingest import References, ingest_files  # noqa: E402
from repertoire.model import KINDS, STATUSES, THEMES  # noqa: E402
from repertoire.registry import Registry, partnership_id  # noqa: E402
from repertoire.text import fold  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = ["enquete-partenariats-2024.xlsx", "questionnaire-export.csv", "reponses-2019.csv", "mise-a-jour-2025.csv"]
JUDGED = FIXTURES / "judged_queries.json"
FACET_SQL = ("country", "kind", "status", "region", "departement", "ftype", "decade")


def sample_rows(workdir: Path) -> list[dict]:
    registry = Registry(workdir / "sample.sqlite3")
    if not registry.count():
        ingest_files(registry, [FIXTURES / n for n in SAMPLES], References())
    return registry.partnerships()


def synthetic(rows: list[dict], size: int, seed: int = 3) -> list[dict]:
    """`size` partnerships recombining real French sides, partners, countries and themes."""
    rng = random.Random(seed)
    french = [(r["french_id"], r["french_name"], r["french_type"], r["departement"], r["region"]) for r in rows]
    partners = [(r["partner_name"], r["partner_country"], r["partner_native"]) for r in rows]
    themes, kinds, statuses = list(THEMES), list(KINDS), list(STATUSES)
    out = []
    for i in range(size):
        fid, fname, ftype, dep, reg = rng.choice(french)
        pname, country, native = rng.choice(partners)
        chosen = rng.sample(themes, rng.choice((1, 2, 2, 3)))
        since = rng.randint(1950, 2024)
        kind = rng.choices(kinds, (80, 8, 6, 3, 3))[0]
        labels = ", ".join(THEMES[t][0].lower() for t in chosen)
        description = (f"{KINDS[kind][0]} entre {fname} et {pname} ({countries().name(country)}) depuis {since} : {labels}."
                       + rng.choice(["", " Échanges scolaires et culturels chaque année.", " Projet d'accès à l'eau potable.",
                                     " Coopération jeunesse et sport, rencontres sportives.", " Appui à la gouvernance locale."]))
        out.append({
            "id": partnership_id(fid, country, f"{pname}-{i}"), "french_id": fid, "french_name": fname,
            "french_type": ftype, "departement": dep, "region": reg, "partner_name": pname,
            "partner_key": f"{pname}-{i}", "partner_country": country, "partner_native": native,
            "kind": kind, "status": rng.choice(statuses), "since": since, "themes": ";".join(chosen),
            "keywords": "", "description": description, "updated_at": "2025-01-01T00:00:00+00:00",
        })
    return out


def make_registry(path: Path, rows: list[dict]) -> Registry:
    registry = Registry(path)
    registry.save(rows, [], [], [])
    return registry


def queries(rows: list[dict], n: int = 200, seed: int = 5) -> list[tuple[str, dict]]:
    """A fixed mix: names, countries, themes, two words, phrases, OR, NOT, typos, filters."""
    rng = random.Random(seed)
    names = sorted({r["partner_name"].split()[0] for r in rows if r["partner_name"][:1].isalpha()})
    towns = sorted({r["french_name"].split("-")[0] for r in rows})
    country_words = ["Allemagne", "Italie", "Japon", "Espagne", "Sénégal", "Royaume-Uni", "Pologne", "Maroc"]
    theme_words = ["culture", "jeunesse", "eau", "éducation", "environnement", "santé", "jumelage", "coopération"]
    out = []
    for i in range(n):
        kind = i % 10
        if kind == 0:
            out.append((rng.choice(names), {}))
        elif kind == 1:
            out.append((rng.choice(towns), {}))
        elif kind == 2:
            out.append((rng.choice(country_words), {}))
        elif kind == 3:
            out.append((rng.choice(theme_words), {}))
        elif kind == 4:
            out.append((f"{rng.choice(theme_words)} {rng.choice(country_words)}", {}))
        elif kind == 5:
            out.append((f'"{rng.choice(["échanges scolaires", "eau potable", "gouvernance locale", "rencontres sportives"])}"', {}))
        elif kind == 6:
            out.append((f"{rng.choice(theme_words)} OR {rng.choice(theme_words)}", {}))
        elif kind == 7:
            out.append((f"{rng.choice(country_words)} NOT {rng.choice(theme_words)}", {}))
        elif kind == 8:
            word = rng.choice([w for w in names if len(w) >= 6] or names)
            j = rng.randrange(1, len(word) - 1)
            out.append((word[:j] + word[j + 1:], {}))  # one letter dropped
        else:
            out.append((rng.choice(theme_words), {"country": [rng.choice(["DE", "IT", "JP", "ES"])]}))
    return out


# --- relevance ------------------------------------------------------------------------------

def judged_queries() -> list[dict]:
    """The judged queries: {q, lang, category, want: {criterion: [accepted values]}}."""
    return json.loads(JUDGED.read_text(encoding="utf-8"))


def _name_key(name: str | None) -> str:
    """A name compared as people mean it: case, accents, hyphens and St/Ste/Saint folded."""
    words = ["saint" if w in ("st", "ste", "sainte", "s") else w for w in fold(name or "").split()]
    return " ".join(words)


class Judge:
    """What each criterion of a judged query means, over all partnerships of a registry at once."""

    def __init__(self, rows: list[dict]):
        table = countries().table
        self.areas: dict[str, set[str]] = {}
        for code, row in table.iterrows():
            for area in (row.region, row.subregion):
                self.areas.setdefault(area, set()).add(code)
        self.groups = countries().groups
        self.index = {p["id"]: n for n, p in enumerate(rows)}
        column = lambda key: np.array([p.get(key) or "" for p in rows], dtype=object)  # noqa: E731
        self.columns = {key: column(key) for key in ("partner_country", "kind", "status", "region", "departement")}
        self.columns["french"] = np.array([_name_key(p.get("french_name")) for p in rows], dtype=object)
        self.columns["partner"] = np.array([_name_key(p.get("partner_name")) for p in rows], dtype=object)
        self.themes = [set((p.get("themes") or "").split(";")) for p in rows]

    def meets(self, criterion: str, accepted: list[str]) -> np.ndarray:
        """Which partnerships meet one criterion."""
        if criterion == "country":
            return np.isin(self.columns["partner_country"], accepted)
        if criterion == "group":
            return np.isin(self.columns["partner_country"], sorted(set().union(*(self.groups.get(g, ()) for g in accepted))))
        if criterion == "continent":
            return np.isin(self.columns["partner_country"], sorted(set().union(*(self.areas.get(a, ()) for a in accepted))))
        if criterion == "theme":
            return np.array([bool(t & set(accepted)) for t in self.themes])
        if criterion in ("kind", "status", "region", "departement"):
            return np.isin(self.columns[criterion], accepted)
        if criterion in ("french", "partner"):
            return np.isin(self.columns[criterion], [_name_key(a) for a in accepted])
        raise ValueError(f"unknown criterion {criterion}")

    def gains(self, want: dict) -> np.ndarray:
        """Each partnership's share of a query's criteria (1.0: exactly what was asked)."""
        return sum(self.meets(c, v).astype(float) for c, v in want.items()) / len(want)


def ndcg(gains: list[float], ideal: list[float], k: int = 10) -> float:
    def dcg(values):
        return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(values[:k]))
    best = dcg(sorted(ideal, reverse=True)[:k])
    return dcg(gains) / best if best else 0.0


def relevance(index: SearchIndex, registry: Registry, judged: list[dict] | None = None) -> dict:
    """nDCG@10 and first-result-right share of the judged queries on one index of a registry.

    The first result is right when its gain is the best any partnership reaches."""
    judge = Judge(registry.partnerships())
    per_query = []
    for item in judged or judged_queries():
        gains_all = judge.gains(item["want"])
        result = index.search(SearchParams(item["q"], per_page=10, lang=item.get("lang", "fr")), registry)
        gains = [float(gains_all[judge.index[h["id"]]]) for h in result.hits]
        best = float(gains_all.max())
        ideal = np.sort(gains_all)[::-1][:10].tolist()
        per_query.append({"q": item["q"], "category": item["category"], "ndcg": ndcg(gains, ideal),
                          "first": bool(gains) and gains[0] == best, "total": result.total,
                          "took_ms": result.took_ms, "relevant": int((gains_all == best).sum())})
    n = len(per_query)
    return {"ndcg": sum(q["ndcg"] for q in per_query) / n, "first": sum(q["first"] for q in per_query) / n,
            "queries": per_query}


def print_relevance(report: dict, show: int = 20) -> None:
    by_category: dict[str, list[dict]] = {}
    for q in report["queries"]:
        by_category.setdefault(q["category"], []).append(q)
    print(f"{len(report['queries'])} judged queries: nDCG@10 {report['ndcg']:.3f}, first result right {report['first']:.1%}")
    for category, items in by_category.items():
        print(f"  {category:<14} {len(items):>3}  nDCG@10 {sum(i['ndcg'] for i in items) / len(items):.3f}  "
              f"first right {sum(i['first'] for i in items) / len(items):.0%}")
    worst = sorted(report["queries"], key=lambda q: (q["ndcg"], q["first"]))[:show]
    if show:
        print("worst:", "; ".join(f"{q['q']!r} {q['ndcg']:.2f}{'' if q['first'] else ' ✗'}" for q in worst))


# --- cost bounds ----------------------------------------------------------------------------

# Queries that once held the search for everyone (issue 11), or could: large slops, wildcards
# that walk the lexicon, many words, many typos, doubled operators.
HOSTILE = ['"coopération coopération coopération"~99 ' * 4, '"jumelage entre"~20', '*a*', '?a?', 'c*', '*',
           ' '.join(['culture'] * 40), ' '.join('abcdefghij'[i % 10] * 6 for i in range(40)),
           'Kanazwa Nishinomya Grenble Perpginan Bordaux Marseile Montpelier Besanson',
           'culture OR jeunesse OR eau OR santé OR sport OR climat OR déchets', '(a OR b) AND (c OR d) NOT e',
           'NOT NOT a', 'SAUF SAUF eau', 'x' * 300, ' '.join(f'w{i}xyzq' for i in range(32)),
           'coopération Maroc jeunesse', "Afrique de l'Ouest eau", 'St-Etienne', 'de la du le']


def worst_costs(index: SearchIndex, registry: Registry) -> list[tuple[float, str]]:
    """Each hostile query's time (ms), first run (its terms not yet read) and worst of three."""
    out = []
    for text in HOSTILE:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            index.search(SearchParams(text), registry)
            times.append((time.perf_counter() - start) * 1000)
        out.append((max(times), text))
    return sorted(out, reverse=True)


# --- FTS5 ---------------------------------------------------------------------------------

def fts_database(rows: list[dict], path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT, country TEXT, kind TEXT, status TEXT,
                           region TEXT, departement TEXT, ftype TEXT, decade TEXT);
        CREATE TABLE doc_themes (rowid INTEGER, theme TEXT);
        CREATE INDEX doc_themes_rowid ON doc_themes (rowid);
        CREATE VIRTUAL TABLE fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');""")
    c = countries()
    docs, themes, texts = [], [], []
    for n, p in enumerate(rows, 1):
        docs.append((n, p["id"], p["partner_country"], p["kind"], p["status"], p["region"], p["departement"],
                     p["french_type"], str(p["since"] // 10 * 10)))
        themes.extend((n, t) for t in p["themes"].split(";") if t)
        texts.append((n, text(p, c)))
    with db:
        db.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?)", docs)
        db.executemany("INSERT INTO doc_themes VALUES (?,?)", themes)
        db.executemany("INSERT INTO fts (rowid, text) VALUES (?,?)", texts)
    return db


def fts_query(text: str) -> str:
    """The same query in FTS5 syntax (words ANDed, phrases, OR, NOT); typos are not forgiven."""
    words = text.replace("'", " ").replace("-", " ").split()
    out = []
    for w in words:
        out.append(w if w in ("OR", "NOT") or w.startswith('"') or w.endswith('"') else f'"{w}"')
    return " ".join(out)


def fts_search(db: sqlite3.Connection, text: str, filters: dict) -> int:
    where, params = "", [fts_query(text)]
    if filters.get("country"):
        where = " AND d.country IN (%s)" % ",".join("?" * len(filters["country"]))
        params += filters["country"]
    db.execute("DROP TABLE IF EXISTS temp.hits")
    db.execute("CREATE TEMP TABLE hits AS SELECT f.rowid AS rowid, bm25(fts) AS score FROM fts f JOIN docs d ON d.rowid = f.rowid "
               f"WHERE fts MATCH ?{where}", params)
    db.execute("SELECT d.id FROM hits JOIN docs d USING (rowid) ORDER BY score LIMIT 20").fetchall()
    for facet in FACET_SQL:
        db.execute(f"SELECT d.{facet}, count(*) FROM hits JOIN docs d USING (rowid) GROUP BY 1 ORDER BY 2 DESC").fetchall()
    db.execute("SELECT t.theme, count(*) FROM hits JOIN doc_themes t USING (rowid) GROUP BY 1").fetchall()
    return db.execute("SELECT count(*) FROM hits").fetchone()[0]


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children: the build's share of a shared machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def run(size: int, base: list[dict], workdir: Path) -> dict:
    rows = synthetic(base, size)
    registry = make_registry(workdir / f"registry-{size}.sqlite3", rows)
    cpu = _cpu_seconds()
    report = build_index(registry, workdir / f"index-{size}")
    build_cpu = _cpu_seconds() - cpu
    index = SearchIndex(workdir / f"index-{size}")
    mix = queries(base)
    index.search(SearchParams("warm"), registry)  # opens the generation (arrays, vocabulary)
    for text, filters in mix:  # one warm pass for both engines (page cache, term arrays)
        index.search(SearchParams(text, filters), registry)
    ours = []
    for text, filters in mix:
        start = time.perf_counter()
        index.search(SearchParams(text, filters), registry)
        ours.append((time.perf_counter() - start) * 1000)
    start = time.perf_counter()
    db = fts_database(rows, workdir / f"fts-{size}.sqlite3")
    fts_build = time.perf_counter() - start
    for text, filters in mix:
        fts_search(db, text, filters)
    theirs = []
    for text, filters in mix:
        start = time.perf_counter()
        fts_search(db, text, filters)
        theirs.append((time.perf_counter() - start) * 1000)
    costs = worst_costs(index, registry)
    p50, p95 = percentiles(ours)
    f50, f95 = percentiles(theirs)
    return {"size": size, "build_s": report.seconds, "build_cpu_s": build_cpu, "p50": p50, "p95": p95, "fts_build_s": fts_build,
            "fts_p50": f50, "fts_p95": f95, "ratio_p50": p50 / f50, "ratio_p95": p95 / f95, "costs": costs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[13_000, 100_000])
    parser.add_argument("--out", type=Path, default=None, help="Working folder (default: a temporary one).")
    parser.add_argument("--relevance", action="store_true", help="Only the judged queries on the sample surveys.")
    parser.add_argument("--show", type=int, default=20, help="How many of the worst judged queries to list.")
    args = parser.parse_args()
    workdir = args.out or Path(tempfile.mkdtemp(prefix="bench-search-"))
    workdir.mkdir(parents=True, exist_ok=True)
    base = sample_rows(workdir)
    sample = Registry(workdir / "sample.sqlite3")
    build_index(sample, workdir / "index-sample")
    print_relevance(relevance(SearchIndex(workdir / "index-sample"), sample), args.show)
    if args.relevance:
        return
    print(f"{'size':>7} {'build s':>8} {'cpu s':>6} {'p50 ms':>7} {'p95 ms':>7} | {'FTS5 p50':>8} {'FTS5 p95':>8} | {'×p50':>5} {'×p95':>5}")
    for size in args.sizes:
        r = run(size, base, workdir)
        print(f"{r['size']:>7} {r['build_s']:>8.1f} {r['build_cpu_s']:>6.1f} {r['p50']:>7.1f} {r['p95']:>7.1f} | {r['fts_p50']:>8.1f} "
              f"{r['fts_p95']:>8.1f} | {r['ratio_p50']:>5.2f} {r['ratio_p95']:>5.2f}", flush=True)
        print("        slowest hostile queries:", "; ".join(f"{ms:.0f} ms {q[:40]!r}" for ms, q in r["costs"][:4]), flush=True)


if __name__ == "__main__":
    main()
