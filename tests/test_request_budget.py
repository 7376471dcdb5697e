"""Each request's time budget is enforced inside the app (web/budget.py): gunicorn's timeout
never fires for a gthread request thread, so a request past its budget ends itself with 503."""
from __future__ import annotations

import time

from app import create_app


def test_a_request_past_its_budget_answers_503_with_retry_after(sample_instance, sample_index):
    app = create_app({"TESTING": True, "INSTANCE": str(sample_instance), "REQUEST_BUDGET": 0.0})
    client = app.test_client()
    for path in ("/carte/repartition/pays", "/api/countries/DE", "/carte"):
        start = time.perf_counter()
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.headers["Retry-After"] and time.perf_counter() - start < 2
    assert "trop de temps" in client.get("/carte/repartition/pays").get_data(as_text=True)
    assert client.get("/api/countries/DE").get_json()["error"]["status"] == 503


def test_within_its_budget_the_same_request_answers(client, sample_index):
    for path in ("/carte/repartition/pays", "/api/countries/DE", "/carte"):
        assert client.get(path).status_code == 200, path
