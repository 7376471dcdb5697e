"""Blind test: how well the CLI reads ten survey templates it was never written for.

Each file of `tests/fixtures/templates/` goes alone through the real command line, in a
fresh instance folder (`repertoire ingest`, `export --format csv`, `rejects --format csv`),
and the result is compared with `tests/fixtures/templates/expected.csv`:

* rows accepted: valid rows (expected `accepted` or `merged`) whose partnership is in the
  export. The export's `sources` column names the files a partnership came from (a row
  number too, when it gives one); within one file, partnerships are paired with expected
  links by content — French id, partner name (folded, fuzzy), country and place — through
  an optimal one-to-one assignment, so a row counts once and a wrong French id does not
  hide a partnership that is otherwise right;
* fields right among accepted rows: french_id, partner_country, since (year), kind,
  status, themes (same set of codes), and all six at once;
* partners placed within 30 km of the true point;
* expected rejects rejected (by sheet and row), and the rows rejected that should not
  have been, counted by reason.

A measuring tool, not a test: it prints the figures (and writes them with `--json FILE`)
and exits 0 whatever they are. About a minute on two cores.

    .venv/bin/python tests/bench_templates.py [--json FILE] [--only t03-english]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import lap
import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from unidecode import unidecode

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "tests" / "fixtures" / "templates"
CLI = Path(os.environ.get("REPERTOIRE_CLI", ROOT / ".venv" / "bin" / "repertoire"))
FIELDS = ["french_id", "partner_country", "since", "kind", "status", "themes"]
PLACE_KM = 30
MATCH_MIN = 110  # below this score an export row and an expected link are not paired
TIMEOUT = 150


def fold(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", unidecode(str(text)).lower()))


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 6371 * 2 * math.asin(min(1.0, math.sqrt(a)))


def number(value: str) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def run_cli(instance: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, REPERTOIRE_INSTANCE=str(instance))
    return subprocess.run([str(CLI), *args], cwd=instance, env=env, capture_output=True,
                          text=True, timeout=TIMEOUT)


def read_csv(path: Path) -> pd.DataFrame:
    if not path.exists() or path.stat().st_size == 0:
        return pd.DataFrame()
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def ingest(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Ingest one file in a fresh instance; return (export, rejects, CLI message)."""
    with tempfile.TemporaryDirectory(prefix="bench-templates-") as tmp:
        inst = Path(tmp)
        try:
            done = run_cli(inst, "ingest", str(path))
            message = (done.stdout + done.stderr).strip().splitlines()
            run_cli(inst, "export", "--format", "csv", "-o", str(inst / "out.csv"))
            run_cli(inst, "rejects", "--format", "csv", "-o", str(inst / "rej.csv"))
        except subprocess.TimeoutExpired as exc:
            return pd.DataFrame(), pd.DataFrame(), f"timeout: {exc.cmd[1]}"
        return read_csv(inst / "out.csv"), read_csv(inst / "rej.csv"), (message[0] if message else "")


def source_rows(sources: str, filename: str, sheets: list[str]) -> list[tuple[str, int | None]]:
    """(sheet, row) entries of this file in an export's `sources` cell (row None if absent)."""
    out = []
    for entry in re.split(r"[;|]", sources):
        entry = entry.strip()
        if not entry.startswith(filename):
            continue
        rest = entry[len(filename):]
        numbers = re.findall(r"\d+", rest)
        sheet = next((s for s in sheets if s and s in rest), "")
        out.append((sheet, int(numbers[-1]) if numbers else None))
    return out


def link_ids(exp: pd.DataFrame) -> pd.Series:
    """Which expected link each valid row belongs to: a merged row joins the accepted row
    with the same French side, country, point and year."""
    key = exp.french_id + "|" + exp.partner_country + "|" + exp.partner_lat + "|" + exp.partner_lon + "|" + exp.since
    first = {}
    ids = []
    for i, (k, verdict) in enumerate(zip(key, exp.verdict)):
        if verdict == "accepted" or k not in first:
            first.setdefault(k, i)
            ids.append(i if verdict == "accepted" else first[k])
        else:
            ids.append(first[k])
    return pd.Series(ids, index=exp.index)


def score(link: pd.DataFrame, out: pd.Series) -> float:
    """How likely an export row is this expected link (see MATCH_MIN)."""
    head = link.iloc[0]
    names = {fold(n) for n in link.partner_name}
    theirs = [fold(out.get("partner_name", "")), fold(out.get("partner_native", ""))]
    sim = max(fuzz.token_set_ratio(a, b) for a in names for b in theirs if b) if any(theirs) else 0
    s = sim + (60 if out.get("french_id") == head.french_id else 0)
    s += 20 if out.get("partner_country") == head.partner_country else 0
    lat, lon = number(out.get("partner_lat")), number(out.get("partner_lon"))
    tlat, tlon = number(head.partner_lat), number(head.partner_lon)
    if None not in (lat, lon, tlat, tlon) and km(lat, lon, tlat, tlon) <= PLACE_KM:
        s += 40
    return s


def pair(exp: pd.DataFrame, export: pd.DataFrame, filename: str) -> dict[int, pd.Series]:
    """Expected link id → the export row of its partnership."""
    valid = exp[exp.verdict != "rejected"]
    if export.empty or valid.empty:
        return {}
    sheets = sorted(set(exp.sheet))
    mine = export[export.get("sources", pd.Series("", index=export.index)).map(
        lambda s: bool(source_rows(s, filename, sheets)))]
    paired: dict[int, pd.Series] = {}
    # A row number in `sources` pairs directly.
    where = {(r.sheet if len(sheets) > 1 else "", int(r.row)): r.link for r in valid.itertuples()}
    rest = []
    for _, out in mine.iterrows():
        hits = [where.get((s if len(sheets) > 1 else "", n)) for s, n in source_rows(out.sources, filename, sheets)]
        hits = [h for h in hits if h is not None]
        if hits:
            for h in hits:
                paired.setdefault(h, out)
        else:
            rest.append(out)
    links = [(lid, grp) for lid, grp in valid.groupby("link") if lid not in paired]
    if rest and links:
        matrix = np.array([[score(grp, out) for out in rest] for _, grp in links])
        _, columns, _ = lap.lapjv(-matrix, extend_cost=True)
        for i, j in ((i, j) for i, j in enumerate(columns) if j >= 0):
            if matrix[i, j] >= MATCH_MIN:
                paired[links[i][0]] = rest[j]
    return paired


def field_right(name: str, want: str, got: str) -> bool:
    if name == "since":
        return want[:4] == str(got)[:4]
    if name == "themes":
        return set(filter(None, want.split(";"))) == set(filter(None, str(got).split(";")))
    if name == "status" and want == "en_sommeil_ou_termine":
        return got in ("en_sommeil", "termine", "en_sommeil_ou_termine")
    return want == got


def reason_class(reason: str) -> str:
    """A reject reason without the value it quotes ('unknown country: Atlantide')."""
    reason = re.split(r"[:(]|\s['\"«]", reason)[0].strip()
    return reason or "?"


def measure(exp: pd.DataFrame, export: pd.DataFrame, rejects: pd.DataFrame, filename: str) -> dict:
    exp = exp.copy()
    valid_mask = exp.verdict != "rejected"
    exp.loc[valid_mask, "link"] = link_ids(exp[valid_mask])
    paired = pair(exp, export, filename)
    valid = exp[valid_mask]
    right = Counter()
    wrong: list[str] = []
    placed = with_point = accepted = 0
    for r in valid.itertuples():
        out = paired.get(r.link)
        if out is None:
            continue
        accepted += 1
        ok = [field_right(f, str(getattr(r, f)), str(out.get(f, ""))) for f in FIELDS]
        for f, good in zip(FIELDS, ok):
            right[f] += good
            if not good:
                wrong.append(f"{r.sheet + ' ' if r.sheet else ''}row {r.row} {f}: "
                             f"expected {getattr(r, f)!r}, got {out.get(f, '')!r} ({r.partner_name})")
        right["all"] += all(ok)
        tlat, tlon = number(r.partner_lat), number(r.partner_lon)
        if tlat is not None:
            with_point += 1
            lat, lon = number(out.get("partner_lat")), number(out.get("partner_lon"))
            placed += lat is not None and lon is not None and km(lat, lon, tlat, tlon) <= PLACE_KM
    multi = len(set(exp.sheet)) > 1
    verdict = {((r.sheet if multi else ""), int(r.row)): r.verdict for r in exp.itertuples()}
    want_rejected = {k for k, v in verdict.items() if v == "rejected"}
    got_rejected = set()
    unexpected = Counter()
    if not rejects.empty:
        for r in rejects.itertuples():
            if str(r.source) != filename or not str(r.row).isdigit():
                continue
            key = ((r.sheet if multi else ""), int(r.row))
            got_rejected.add(key)
            if key not in want_rejected:
                unexpected[reason_class(str(r.reason))] += 1
    pct = (lambda n, d: round(100 * n / d, 1) if d else None)
    return {
        "valid_rows": len(valid), "accepted_rows": accepted,
        "accepted_pct": pct(accepted, len(valid)),
        "fields_right_pct": {f: pct(right[f], accepted) for f in FIELDS + ["all"]},
        "placed_within_30km_pct": pct(placed, with_point), "with_true_point": with_point,
        "expected_rejects": len(want_rejected),
        "expected_rejects_rejected": len(want_rejected & got_rejected),
        "unexpected_rejects": sum(unexpected.values()),
        "unexpected_reasons": dict(unexpected.most_common(5)),
        "partnerships_exported": len(export),
        "missing": [f"{r.sheet + ' ' if r.sheet else ''}row {r.row}: {r.french_id} – {r.partner_name} ({r.partner_country})"
                    for r in valid.itertuples() if r.link not in paired],
        "wrong": wrong,
    }


def overall(results: dict) -> dict:
    tot = Counter()
    right = Counter()
    reasons = Counter()
    for r in results.values():
        for k in ("valid_rows", "accepted_rows", "with_true_point", "expected_rejects",
                  "expected_rejects_rejected", "unexpected_rejects", "partnerships_exported"):
            tot[k] += r[k]
        for f, p in r["fields_right_pct"].items():
            right[f] += round((p or 0) * r["accepted_rows"] / 100)
        tot["placed"] += round((r["placed_within_30km_pct"] or 0) * r["with_true_point"] / 100)
        reasons.update(r["unexpected_reasons"])
    pct = (lambda n, d: round(100 * n / d, 1) if d else None)
    return {
        "valid_rows": tot["valid_rows"], "accepted_rows": tot["accepted_rows"],
        "accepted_pct": pct(tot["accepted_rows"], tot["valid_rows"]),
        "fields_right_pct": {f: pct(right[f], tot["accepted_rows"]) for f in FIELDS + ["all"]},
        "placed_within_30km_pct": pct(tot["placed"], tot["with_true_point"]),
        "with_true_point": tot["with_true_point"],
        "expected_rejects": tot["expected_rejects"],
        "expected_rejects_rejected": tot["expected_rejects_rejected"],
        "unexpected_rejects": tot["unexpected_rejects"],
        "unexpected_reasons": dict(reasons.most_common(5)),
        "partnerships_exported": tot["partnerships_exported"],
    }


def show(name: str, r: dict) -> str:
    f = r["fields_right_pct"]
    cell = (lambda x: "  -  " if x is None else f"{x:5.1f}")
    return (f"{name:<15} {r['valid_rows']:>5} {cell(r['accepted_pct'])} "
            + " ".join(cell(f[k]) for k in FIELDS + ["all"])
            + f" {cell(r['placed_within_30km_pct'])} {r['expected_rejects_rejected']:>3}/{r['expected_rejects']:<3}"
            + f" {r['unexpected_rejects']:>5}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, help="write the figures to this file")
    ap.add_argument("--only", action="append", help="template key (t01-atlas…), repeatable")
    ap.add_argument("--examples", type=int, default=0, metavar="N",
                    help="print N rows missing and N wrong fields per template")
    ap.add_argument("--jobs", type=int, default=2, help="templates ingested at once (default 2)")
    args = ap.parse_args()
    expected = pd.read_csv(TEMPLATES / "expected.csv", dtype=str, keep_default_na=False)
    started = time.monotonic()
    todo = [(key, exp) for key, exp in expected.groupby("template", sort=True)
            if not args.only or key in args.only]

    def one(item):
        key, exp = item
        filename = exp.source.iloc[0]
        t0 = time.monotonic()
        export, rejects, message = ingest(TEMPLATES / filename)
        result = measure(exp, export, rejects, filename)
        result.update(cli=message, seconds=round(time.monotonic() - t0, 1))
        print(f"{key}: {message} ({result['seconds']} s)", file=sys.stderr)
        return key, result

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = dict(sorted(pool.map(one, todo)))
    results["overall"] = overall({k: v for k, v in results.items()})
    header = (f"{'template':<15} {'valid':>5} {'acc%':>5} "
              + " ".join(f"{h:>5}" for h in ["fr_id", "cntry", "since", "kind", "stat", "themes", "all"])
              + f" {'≤30km':>5} {'rej':>7} {'unexp':>5}")
    print("Fields right are % of accepted rows; rej = expected rejects rejected; "
          "unexp = valid rows rejected.")
    print(header)
    for key, r in results.items():
        if key == "overall":
            print("-" * len(header))
        print(show(key, r))
    print()
    for key, r in results.items():
        if r["unexpected_reasons"]:
            reasons = ", ".join(f"{k} ×{v}" for k, v in r["unexpected_reasons"].items())
            print(f"{key}: unexpected rejects: {reasons}")
    for key, r in results.items():
        if args.examples and key != "overall":
            for line in r["missing"][: args.examples]:
                print(f"{key}: not accepted: {line}")
            for line in r["wrong"][: args.examples]:
                print(f"{key}: wrong {line}")
    print(f"\n{time.monotonic() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
