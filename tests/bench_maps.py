"""Benchmark: size and time to interactive of the map of links at 1k and 10k links.

Synthetic registries are made by sampling the real partnerships' endpoints (a French end from
one, a partner end from another), so places cluster as real ones do. Headless Chromium with
every non-local request aborted loads `/carte` (served by the app) and the self-contained
file of `repertoire map`; "interactive" is when the page script has drawn the map, the
clusters and the table (html[data-map-ready]), measured from navigation start, and "free"
when the main thread next runs a task after a frame. "zoom" is from a zoom to Europe to
the frame painted after it. Each figure is the median of --repeat loads (the machine is
shared: compare runs made back to back, e.g. with the previous commit in a copy).

    .venv/bin/python tests/bench_maps.py [REGISTRY.sqlite3] [--sizes 1000 10000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import gzip
import logging
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import cli, create_app  # noqa: E402
from repertoire.registry import Registry  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
SURVEYS = ["enquete-partenariats-2024.xlsx", "questionnaire-export.csv", "reponses-2019.csv", "mise-a-jour-2025.csv"]
FRENCH = ("french_id", "french_name", "french_type", "departement", "region", "french_lat", "french_lon")
PARTNER = ("partner_name", "partner_country", "partner_region", "partner_lat", "partner_lon")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def real_partnerships(path: Path | None) -> list[dict]:
    if path:
        return Registry(path).partnerships("french_lat IS NOT NULL AND partner_lat IS NOT NULL")
    from repertoire.ingest import References, ingest_files
    registry = Registry(memory=True)
    ingest_files(registry, [FIXTURES / name for name in SURVEYS], References())
    return registry.partnerships("french_lat IS NOT NULL AND partner_lat IS NOT NULL")


def synthetic_registry(real: list[dict], size: int, target: Path, seed: int = 4) -> None:
    """`size` links, each joining the French end of one real link to the partner end of another."""
    rng = random.Random(seed)
    rows = []
    for i in range(size):
        french, partner, rest = rng.choice(real), rng.choice(real), rng.choice(real)
        row = dict(rest) | {k: french[k] for k in FRENCH} | {k: partner[k] for k in PARTNER}
        row.update(id=f"p-synth{i:06d}", partner_key=f"synth-{i}")
        rows.append(row)
    registry = Registry(target)
    registry.save(rows, [], [], [])
    registry.close()


def measure(browser, url: str) -> dict:
    """One load of `url` in a fresh page: times (s from navigation start), bytes, requests."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    external, errors = [], []
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("http://127.0.0.1", "file:", "data:"))
               else (external.append(r.request.url), r.abort()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector("html[data-map-ready='1']", timeout=60000)
    wall = time.perf_counter() - start
    ready_ms = page.evaluate("window.repertoireMapReadyAt")
    # Is the main thread free then? A frame requested now comes back after any busy task.
    idle_ms = page.evaluate("() => new Promise(done => requestAnimationFrame(() => setTimeout(() => done(performance.now()), 0)))")
    page.wait_for_selector("html[data-list-ready='1']", timeout=60000)
    list_ms = page.evaluate("performance.now()")
    sizes = page.evaluate("""() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
        .reduce((s, e) => [s[0] + (e.encodedBodySize || 0), s[1] + (e.decodedBodySize || 0)], [0, 0])""")
    # One interaction once ready: zoom in on Europe, until the frame after it is painted.
    t = time.perf_counter()
    page.evaluate("""() => new Promise(done => { const m = window.repertoireMap;
        m.once('zoomend', () => requestAnimationFrame(() => setTimeout(done, 0))); m.setView([48, 5], 6, {animate: false}); })""")
    zoom = time.perf_counter() - t
    page.screenshot(path=f"/tmp/shots/maps-bench-{url.rsplit('/', 1)[-1].split('.')[0] or 'page'}.png")
    page.close()
    return {"ready_s": ready_ms / 1000, "idle_s": idle_ms / 1000, "list_s": list_ms / 1000, "wall_s": wall,
            "zoom_s": zoom, "transferred": sizes[0], "decoded": sizes[1], "external": external, "errors": errors}


def median(runs: list[dict]) -> dict:
    """Each number's median over the runs; requests and errors from all of them."""
    out = {k: statistics.median(r[k] for r in runs) for k, v in runs[0].items() if isinstance(v, (int, float))}
    out["external"] = [u for r in runs for u in r["external"]]
    out["errors"] = [e for r in runs for e in r["errors"]]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("registry", nargs="?", type=Path)
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3, help="Loads per page; medians are reported.")
    options = parser.parse_args()
    Path("/tmp/shots").mkdir(exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    real = real_partnerships(options.registry)
    print(f"sampling endpoints of {len(real)} real placed partnerships; medians of {options.repeat} loads")
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for size in options.sizes:
            instance = Path(tmp) / f"i{size}"
            synthetic_registry(real, size, instance / "registry.sqlite3")
            app = create_app({"INSTANCE": str(instance)})
            client = app.test_client()
            client.get("/carte")  # warm caches (outlines, country names)
            renders = []
            for _ in range(options.repeat):
                t = time.perf_counter()
                html = client.get("/carte", headers={"Accept-Encoding": "identity"}).get_data()
                renders.append(time.perf_counter() - t)
            standalone = Path(tmp) / f"carte-{size}.html"
            t = time.perf_counter()
            result = app.test_cli_runner().invoke(cli, ["map", "-o", str(standalone)])
            cli_s = time.perf_counter() - t
            assert result.exit_code == 0, result.output
            server = make_server("127.0.0.1", 0, app, threaded=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            page = median([measure(browser, f"http://127.0.0.1:{server.server_port}/carte") for _ in range(options.repeat)])
            server.shutdown()
            file = median([measure(browser, standalone.as_uri()) for _ in range(options.repeat)])
            print(f"{size:>6} links | /carte: HTML {len(html) / 1e6:.2f} MB ({len(gzip.compress(html, 5)) / 1e6:.2f} MB gzipped), "
                  f"all responses {page['decoded'] / 1e6:.2f} MB, transferred {page['transferred'] / 1e6:.2f} MB, "
                  f"server render {statistics.median(renders):.2f} s, interactive {page['ready_s']:.2f} s "
                  f"(main thread free {page['idle_s']:.2f} s, table done {page['list_s']:.2f} s), "
                  f"zoom {page['zoom_s'] * 1000:.0f} ms | file: {standalone.stat().st_size / 1e6:.2f} MB, "
                  f"written in {cli_s:.2f} s, interactive {file['ready_s']:.2f} s (free {file['idle_s']:.2f} s), "
                  f"zoom {file['zoom_s'] * 1000:.0f} ms | "
                  f"external requests {len(page['external']) + len(file['external'])}, "
                  f"errors {page['errors'] + file['errors']}")
        browser.close()


if __name__ == "__main__":
    main()
