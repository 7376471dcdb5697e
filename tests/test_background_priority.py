"""Background work yields the CPU to the web workers (issue 13): an index rebuild and the jobs the
app starts run at a lower priority (a higher niceness) than the process that started them, so
that searches are served first on a machine whose cores they share."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from app import create_app
from test_crash import cli
from test_index_follows_registry import wait_for_job
from web.jobs import BACKGROUND_NICENESS, Jobs


@pytest.fixture
def instance(indexed_copy) -> Path:
    return indexed_copy


def niceness(pid: int = 0) -> int:
    return os.getpriority(os.PRIO_PROCESS, pid)


@pytest.mark.parametrize("asked, expected", [((), BACKGROUND_NICENESS), (("--nice", "0"), None)])
def test_an_index_rebuild_runs_at_background_priority_unless_told_not_to(instance, asked, expected):
    run = cli(instance, "index", *asked, pause_at="documents")  # paused while it indexes
    try:
        run.wait_for("documents 1", timeout=120)
        assert niceness(run.process.pid) == max(niceness(), expected if expected is not None else niceness())
    finally:
        run.kill()


def test_a_job_the_app_starts_runs_at_background_priority(instance):
    app = create_app({"TESTING": True, "INSTANCE": str(instance)})
    jobs = Jobs(app.config["JOBS"])
    job_id = jobs.create("index", "test", ["index --update"])
    with app.app_context():
        jobs.start(job_id, ["index", "--update"], instance, instance / f"{job_id}.log")
    pid = jobs.get(job_id)["pid"]
    assert niceness(pid) == max(niceness(), BACKGROUND_NICENESS)
    assert wait_for_job(app, "index")["status"] == "done"
