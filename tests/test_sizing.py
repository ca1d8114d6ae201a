from decimal import Decimal

from decisions.answers import Answers
from decisions.criteria import from_data
from decisions.seeding import default_criteria
from decisions.sizing import memory_estimate, worker_plan

CRITERIA = from_data(default_criteria())


def test_it_uses_two_per_core_plus_one_for_sync_workers():
    plan = worker_plan("gunicorn", Answers(choices={"framework": "django"}, cores=4))
    assert (plan.workers, plan.model) == (9, "sync")


def test_it_uses_one_worker_per_core_for_async_workers():
    assert worker_plan("gunicorn", Answers(choices={"framework": "fastapi"}, cores=4)).workers == 4
    assert worker_plan("uvicorn", Answers(cores=3)).workers == 3
    assert worker_plan("granian", Answers(choices={"framework": "flask"}, cores=3)).workers == 3


def test_it_adds_threads_when_sync_workers_wait_on_connections():
    plan = worker_plan("gunicorn", Answers(choices={"workload": "high-concurrency"}, cores=2))
    assert (plan.workers, plan.model, plan.threads) == (5, "threaded", 4)


def test_it_gives_gunicorn_threads_when_gunicorn_itself_speaks_http2():
    def model(server: str, **choices: str) -> str:
        return worker_plan(server, Answers(choices={"http": "http2"} | choices)).model

    assert model("gunicorn", tls="app") == "threaded"  # the sync worker cannot speak HTTP/2
    assert model("gunicorn", tls="proxy") == "sync"  # nginx speaks HTTP/2; Gunicorn gets HTTP/1.1
    assert model("uwsgi", tls="app") == "sync"  # uWSGI speaks no HTTP/2 in any worker


def test_it_estimates_memory_from_both_the_article_and_the_measurement():
    gunicorn = CRITERIA.server("gunicorn")
    estimate = memory_estimate(gunicorn, Answers(cores=2))
    assert estimate.article_mib == 5 * 30
    assert estimate.measured_pss_mib == 5 * Decimal("9.7")
