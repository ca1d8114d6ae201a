"""The memory chart's geometry. No database."""

from decisions.answers import Answers
from decisions.charts import ROW_HEIGHT, memory_chart
from decisions.configs.plan import plan_for
from tests.support.bundles import CRITERIA


def chart_for(answers: Answers, recommended: str = "gunicorn"):
    return memory_chart([plan_for(server, answers) for server in CRITERIA.servers], recommended)


def test_it_draws_one_row_per_server_in_the_given_order():
    chart = chart_for(Answers(cores=2))
    assert [row.slug for row in chart.rows] == [server.slug for server in CRITERIA.servers]
    assert [row.top for row in chart.rows] == [i * ROW_HEIGHT for i in range(5)]
    assert chart.height == 5 * ROW_HEIGHT


def test_it_puts_both_figures_for_the_users_workers_on_one_scale():
    chart = chart_for(Answers(choices={"framework": "django"}, cores=4))
    gunicorn = next(row for row in chart.rows if row.slug == "gunicorn")
    assert (gunicorn.measured_mib, gunicorn.article_mb) == (87, 270)  # 9 workers x 9.7 MiB, x 30 MB
    uwsgi = next(row for row in chart.rows if row.slug == "uwsgi")
    assert uwsgi.article_mb == 360  # 9 x 40 MB: the longest bar
    assert uwsgi.article_percent == "72.0"
    assert gunicorn.article_percent == "54.0"  # 270 / 360 x 72
    assert float(gunicorn.measured_percent) == round(87.3 / 360 * 72, 1)


def test_it_marks_the_recommended_server():
    chart = chart_for(Answers(), recommended="uvicorn")
    assert [row.slug for row in chart.rows if row.recommended] == ["uvicorn"]
    assert not any(row.recommended for row in chart_for(Answers(), recommended=None).rows)


def test_it_draws_nothing_for_no_estimates():
    chart = memory_chart([], None)
    assert chart.rows == () and chart.height == 0
