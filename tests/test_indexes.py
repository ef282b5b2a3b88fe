"""Every public query can read its main table through an index.

On a small data set PostgreSQL rightly prefers sequential scans, so each plan is taken
with `enable_seqscan = off`: a sequential scan that remains means no index can serve the
query. The queries are the ones `manage.py explain_queries` reports.
"""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction

from blog.management.commands.explain_queries import SEQ_SCAN, public_queries

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC)
QUERY_NAMES = [
    "home page",
    "post by year/month/slug",
    "author's posts",
    "category's posts",
    "tag's posts",
    "month archive",
    "post's visible threads",
    "rows of a page of threads",
    "site comment feed",
    "search",
]


@pytest.fixture
def queries():
    with time_machine.travel(NOW, tick=False):
        call_command("seed_bulk", posts=15, comments=200, max_depth=3, seed=11, stdout=io.StringIO())
    return {name: (table, queryset) for name, table, queryset in public_queries()}


def plan_without_seqscan(queryset):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        return queryset.explain()


def test_every_public_query_is_covered(queries):
    assert list(queries) == QUERY_NAMES


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_query_reads_its_main_table_by_index(queries, name):
    table, queryset = queries[name]

    plan = plan_without_seqscan(queryset)

    assert table in plan
    # Neither its main table nor the posts a comment query joins.
    assert not SEQ_SCAN.search(plan), plan


def test_explain_queries_prints_each_plan_with_its_time(queries):
    output = io.StringIO()

    call_command("explain_queries", stdout=output)

    report = output.getvalue()
    for name in QUERY_NAMES:
        assert f"== {name} ==" in report
    assert report.count("Execution Time:") == len(QUERY_NAMES)
    assert report.count("Buffers:") >= len(QUERY_NAMES)


def test_connections_price_random_reads_as_on_ssds(db):
    # With PostgreSQL's spinning-disk default (4) the planner scans every post for a search
    # that matches a few percent of them (config/settings.py, RANDOM_PAGE_COST).
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"
