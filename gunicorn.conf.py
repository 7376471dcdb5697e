"""gunicorn settings for Répertoire (README: "Serving in production").

    REPERTOIRE_INSTANCE=/srv/repertoire .venv/bin/gunicorn 'app:create_app()'

gunicorn reads ./gunicorn.conf.py by itself when started from the repository root; from
elsewhere, pass `-c /path/to/gunicorn.conf.py`. Settings from the environment:
REPERTOIRE_BIND (default 127.0.0.1:8000, behind a reverse proxy), REPERTOIRE_WORKERS (2),
REPERTOIRE_THREADS (8), REPERTOIRE_TIMEOUT (60 s). A command-line flag wins over all of them.
"""
import os
from pathlib import Path

bind = os.environ.get("REPERTOIRE_BIND", "127.0.0.1:8000")

# Sized for 2 cores. A search holds its process's index lock while it runs (index/search.py),
# so a second process is what lets two searches run at once; threads overlap the SQLite
# reads, template rendering and slow clients. 2 × 8 = 16 requests at a time.
workers = int(os.environ.get("REPERTOIRE_WORKERS", min(2, os.cpu_count() or 1)))
worker_class = "gthread"
# 8 threads, not 4: a heavy page (a map, a big country, an export) waits for its worker's
# turn (web/throttle.py) holding a thread but no CPU; with 4, four heavy clients took most
# threads and searches queued (load drill, issue 13: search p95 572 ms with 4 threads,
# 248 ms with 8, against 203 ms with no heavy client, same machine and hour).
threads = int(os.environ.get("REPERTOIRE_THREADS", 8))

# 60 s without a heartbeat before a stuck worker is killed and replaced. With gthread the
# heartbeat is the main thread's, so this never stops a slow request: each request's own
# budget does (REPERTOIRE_REQUEST_BUDGET, 30 s: web/budget.py), and big books are made by
# background jobs, not requests.
timeout = int(os.environ.get("REPERTOIRE_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Workers are not recycled (max_requests = 0): a recycled worker drops its keep-alive
# connections and must reload the index generation, for no leak seen so far.

# No preload: each worker builds its own app after the fork. create_app opens no file today,
# but a SQLite connection must not cross a fork, and the SearchIndex keeps the Whoosh files
# of its generation open from its first search; loading per worker keeps that true whatever
# create_app comes to open. It costs about a second of start-up per worker.
preload_app = False

# The heartbeat file on tmpfs: a worker blocked on a slow disk is not taken for a hung one.
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"

proc_name = "repertoire"
# gunicornc's socket in the instance folder: the default ($HOME/.gunicorn/gunicorn.ctl) is
# one path for every gunicorn of the user, so a second instance (or the load drill) took it.
control_socket = str(Path(os.environ.get("REPERTOIRE_INSTANCE", "instance")).resolve() / "gunicorn.ctl")

# Logs: JSON lines on stderr. No access log: the app writes one record per request with
# its duration, size and request id (web/logs.py). gunicorn's own records (boot, worker
# restarts, timeouts) go through the same JSON formatter as the app's.
accesslog = None
errorlog = "-"
loglevel = "info"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {  # the layout of web/logs.py json_formatter()
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger", "process": "pid"},
            "timestamp": "time",
            "json_ensure_ascii": False,
        },
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
    },
    "root": {"level": "WARNING", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
        "repertoire.requests": {"level": "INFO"},
        "app": {"level": "INFO"},  # Flask's app.logger (the app module is `app`)
    },
}


def post_worker_init(worker):
    """Warm a new worker up before it takes connections: open the live index generation and
    compile the search page's templates and translations.

    A cold worker's first search page took 0.6 s alone; in the load drill (50 clients) the
    first requests of a cold worker queued behind it for up to 4.2 s.
    """
    app = getattr(worker, "wsgi", None)
    if not hasattr(app, "test_client"):
        return
    import maps.folium_map  # noqa: F401  (folium, imported by the first map otherwise: maps/__init__.py)
    client = app.test_client()
    for path in ("/healthz", "/recherche?q=jumelage"):
        try:  # logged with request_id "warm-up"
            client.get(path, headers={"X-Request-ID": "warm-up"})
        except Exception as error:  # a cold worker is better than no worker
            worker.log.warning("warm-up of %s failed: %s", path, error)
