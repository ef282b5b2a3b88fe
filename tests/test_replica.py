"""The read replica (config.replica): public reads go there, writes and a writer's next reads never do.

In tests "replica" is a mirror of the test database (config/settings_test.py): a second
connection, so rows must be committed (transactional tests) and each query shows up on
the connection that ran it.
"""

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections, router, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.asserts import assertContains

from authors.roles import MODERATORS
from blog.models import Post, SiteSettings
from config.replica import PRIMARY_COOKIE, ReplicaMiddleware, reads_from_replica
from tests.factories import PostFactory, make_comment, verified_commenter

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture(autouse=True)
def replica_routing(settings):
    """The router on, as DATABASE_REPLICA_URL turns it on; no page cache, so every GET runs its view."""
    settings.DATABASE_ROUTERS = ["config.replica.PrimaryReplicaRouter"]
    settings.PAGE_CACHE_SECONDS = 0
    SiteSettings.load()  # the singleton row, which a flush between transactional tests removes


@pytest.fixture
def post():
    post = PostFactory()
    make_comment(post, name="Ada Reader", email="ada@example.com", body="An approved comment.")
    verified_commenter("ada@example.com")  # trusted: her comments are approved at once
    return post


@contextmanager
def queries():
    """The queries each connection runs inside the block: `.primary` and `.replica`."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        yield SimpleNamespace(primary=primary, replica=replica)


def statements(captured):
    return [query["sql"].split(None, 1)[0].upper() for query in captured]


def test_a_public_page_reads_from_the_replica(client, post):
    with queries() as ran:
        page = client.get(post.get_absolute_url())

    assertContains(page, "An approved comment.")
    assert len(ran.replica) > 0
    assert set(statements(ran.replica)) == {"SELECT"}
    assert len(ran.primary) == 0


def test_staff_with_a_session_read_from_the_primary(client, post, staff):
    client.force_login(staff(MODERATORS))

    with queries() as ran:
        page = client.get(post.get_absolute_url())

    assertContains(page, "An approved comment.")
    assert len(ran.primary) > 0
    assert len(ran.replica) == 0


def test_a_visitor_who_just_posted_reads_from_the_primary_and_others_from_the_replica(client, send_comment, post):
    with queries() as ran:
        posted = send_comment(post, body="My own words.", email="ada@example.com")
    assert posted.status_code == 303
    assert len(ran.replica) == 0
    cookie = posted.cookies[PRIMARY_COOKIE]
    assert cookie["max-age"] == settings.REPLICA_LAG_SECONDS
    assert cookie["httponly"]

    with queries() as writer:
        own_page = client.get(post.get_absolute_url())
    with queries() as someone_else:
        their_page = Client().get(post.get_absolute_url())

    assertContains(own_page, "My own words.")
    assert len(writer.primary) > 0
    assert len(writer.replica) == 0
    assertContains(their_page, "My own words.")
    assert len(someone_else.replica) > 0
    assert len(someone_else.primary) == 0


def test_the_writers_cookie_lasts_replica_lag_seconds_whatever_the_browser_keeps(client, send_comment, post):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        send_comment(post, body="Posted just now.", email="ada@example.com")
        clock.shift(settings.REPLICA_LAG_SECONDS - 1)
        with queries() as still_fresh:
            client.get(post.get_absolute_url())
        clock.shift(2)
        assert PRIMARY_COOKIE in client.cookies  # the test client never expires a cookie: the server checks its age
        with queries() as later:
            client.get(post.get_absolute_url())

    assert len(still_fresh.replica) == 0
    assert len(later.replica) > 0
    assert len(later.primary) == 0


def test_a_forged_cookie_sends_nobody_to_the_primary(client, post):
    client.cookies[PRIMARY_COOKIE] = "1"

    with queries() as ran:
        client.get(post.get_absolute_url())

    assert len(ran.replica) > 0
    assert len(ran.primary) == 0


def test_writes_never_go_to_the_replica_even_during_a_public_get(client, send_comment, post):
    # Without their row or a cached copy, the page's SiteSettings.load() creates the settings.
    SiteSettings.objects.all().delete()
    cache.clear()

    with queries() as ran:
        client.get(post.get_absolute_url())
        send_comment(post, body="A write.", email="ada@example.com")

    assert "INSERT" in statements(ran.primary)
    assert not set(statements(ran.replica)) & set(WRITES)
    assert SiteSettings.objects.exists()


def test_reads_in_a_transaction_or_outside_a_request_use_the_primary(post):
    def view(request):
        list(Post.objects.all())  # the request's plain read
        with transaction.atomic():
            list(Post.objects.select_for_update())  # a read that must see the transaction's writes
        return HttpResponse()

    with queries() as in_request:
        ReplicaMiddleware(view)(RequestFactory().get("/"))
    with queries() as outside:
        Post.objects.count()

    assert len(in_request.replica) == 1
    assert "FOR UPDATE" not in in_request.replica[0]["sql"]
    assert any("FOR UPDATE" in query["sql"] for query in in_request.primary)
    assert len(outside.primary) == 1
    assert len(outside.replica) == 0
    assert reads_from_replica.get() is False


def test_the_request_flag_is_reset_even_when_the_view_fails():
    def failing_view(request):
        assert reads_from_replica.get() is True
        raise RuntimeError("the view failed")

    with pytest.raises(RuntimeError):
        ReplicaMiddleware(failing_view)(RequestFactory().get("/"))

    assert reads_from_replica.get() is False


def test_migrations_only_on_the_primary_and_relations_across_both(post):
    from_replica = Post.objects.using("replica").get(pk=post.pk)
    from_primary = Post.objects.get(pk=post.pk)

    assert router.allow_migrate("default", "blog", model_name="post")
    assert not router.allow_migrate("replica", "blog", model_name="post")
    assert router.allow_relation(from_replica, from_primary)
    assert router.db_for_write(Post) == "default"


def test_without_a_replica_the_middleware_is_dropped_at_startup(settings):
    settings.DATABASE_ROUTERS = []

    with pytest.raises(MiddlewareNotUsed):
        ReplicaMiddleware(lambda request: None)


@pytest.mark.parametrize("replica_url", ["", "postgres://reader@replica.internal:5433/colloquy"])
def test_database_replica_url_adds_the_replica_and_the_router(replica_url):
    environment = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/colloquy",
        "DATABASE_REPLICA_URL": replica_url,
        "CONN_MAX_AGE": "60",
    }
    script = (
        "import json; from config import settings as s; print(json.dumps({'databases': s.DATABASES, "
        "'routers': getattr(s, 'DATABASE_ROUTERS', []), 'middleware': s.MIDDLEWARE}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=environment, cwd=settings.BASE_DIR, capture_output=True, text=True
    )
    loaded = json.loads(result.stdout)

    middleware = loaded["middleware"]
    assert middleware.index("config.replica.ReplicaMiddleware") < middleware.index(
        "blog.page_cache.SharedPageCacheMiddleware"
    )
    if not replica_url:
        assert list(loaded["databases"]) == ["default"]
        assert loaded["routers"] == []
        return
    replica = loaded["databases"]["replica"]
    assert (replica["HOST"], replica["PORT"], replica["USER"], replica["NAME"]) == (
        "replica.internal",
        5433,
        "reader",
        "colloquy",
    )
    assert replica["CONN_MAX_AGE"] == 60
    assert replica["CONN_HEALTH_CHECKS"] is True
    assert replica["TEST"] == {"MIRROR": "default"}
    assert loaded["routers"] == ["config.replica.PrimaryReplicaRouter"]


def test_a_page_read_from_the_replica_right_after_a_change_is_not_kept(client, post, settings):
    # The replica may lag: a page rendered from it within REPLICA_LAG_SECONDS of a change to
    # what it shows could hold the old rows under the new version, so it is served, not kept.
    settings.PAGE_CACHE_SECONDS = 600
    settings.REPLICA_LAG_SECONDS = 10
    url = post.get_absolute_url()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        post.title = "Changed just now"
        post.save()
        assertContains(client.get(url), "Changed just now")
        with queries() as ran:
            client.get(url)
        assert len(ran.replica) > 0  # rendered again: the first was not kept

        clock.shift(11)
        client.get(url)
        with queries() as ran:
            assertContains(client.get(url), "Changed just now")
        assert len(ran.replica) == len(ran.primary) == 0  # past the lag, kept and served from the cache
