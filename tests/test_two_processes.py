"""Two app servers behind one load balancer share comments, rate limits and the page cache through Redis.

Starts two real gunicorn servers (config/gunicorn.conf.py, DEBUG off) on free ports, on
the test database and one Redis key prefix of this test's own, and talks to them over
HTTP as browsers do. They run the suite's settings (static files from the apps, no
collectstatic; comments may be sent at once), so rows must be committed: transactional.
Select these tests alone with `pytest -m processes`; they need Redis on 127.0.0.1:6379.
"""

import http.cookiejar
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from blog.models import Post, SiteSettings
from comments.models import Comment
from tests.factories import PostFactory, trusted_commenter

pytestmark = [pytest.mark.processes, pytest.mark.django_db(transaction=True)]

REDIS_URL = "redis://127.0.0.1:6379/0"
STARTUP_SECONDS = 20
LIMITED = "You have posted several comments in a short time."


@dataclass
class App:
    """One app server: its gunicorn master, its address once listening, and its log."""

    process: subprocess.Popen
    log: Path
    url: str = ""


@dataclass
class Response:
    status: int
    headers: object
    text: str

    @property
    def etag(self):
        return self.headers["ETag"]


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 303 after a comment is the answer we check


class Browser:
    """A visitor: one cookie jar for every app server (they are one site behind a load balancer)."""

    def __init__(self):
        cookies = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self.opener = urllib.request.build_opener(cookies, NoRedirects)

    def get(self, url, **headers):
        return self.open(urllib.request.Request(url, headers=headers))

    def post(self, url, fields):
        return self.open(urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode()))

    def open(self, request):
        try:
            with self.opener.open(request, timeout=10) as response:
                return Response(response.status, response.headers, response.read().decode())
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            return Response(error.code, error.headers, error.read().decode())

    def send_comment(self, app, post, **fields):
        """Post the comment form as static/js/comments.js does: the token and CSRF from comments:form_token."""
        visitor = json.loads(self.get(app.url + reverse("comments:form_token")).text)
        form = {
            "name": "Ada Reader",
            "email": "ada@example.com",
            "website": "",
            "body": "A comment.",
            "form_token": visitor["token"],
            "csrfmiddlewaretoken": visitor["csrf"],
            **fields,
        }
        return self.post(app.url + reverse("comments:create", args=[post.pk]), form)


@pytest.fixture
def cache_prefix():
    """A Redis key prefix of this test's own; its keys are deleted afterwards (never a flush)."""
    prefix = f"test-two-processes-{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def shared_cache(cache_prefix):
    """`with shared_cache():` makes a change in this process on the app servers' cache."""
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": cache_prefix,
        }
    }
    return lambda: override_settings(CACHES=caches)


def database_url():
    """The test database this process uses (pytest-django's), for the app servers."""
    database = connection.settings_dict
    credentials = urllib.parse.quote(database["USER"])
    if database["PASSWORD"]:
        credentials += ":" + urllib.parse.quote(database["PASSWORD"])
    return f"postgres://{credentials}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


@pytest.fixture
def two_apps(transactional_db, cache_prefix, tmp_path):
    """Two gunicorn servers (one worker each) sharing the test database and Redis; always stopped."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(),
        "DATABASE_REPLICA_URL": "",
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": cache_prefix,
        # Port 0: the system picks a free port, which gunicorn logs ("Listening at: …").
        "BIND": "127.0.0.1:0",
        "WEB_CONCURRENCY": "1",
    }
    apps = []
    try:
        for name in ("a", "b"):
            log = tmp_path / f"gunicorn-{name}.log"
            with log.open("wb") as output:
                process = subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.conf.py", "config.wsgi"],
                    cwd=settings.BASE_DIR,
                    env=environment,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group: the master and its worker
                )
            apps.append(App(process, log))
        deadline = time.monotonic() + STARTUP_SECONDS
        for app in apps:
            wait_until_healthy(app, deadline)
        yield apps
    finally:
        for app in apps:
            stop(app)


def wait_until_healthy(app, deadline):
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            pytest.fail(f"gunicorn exited with {app.process.returncode}:\n{app.log.read_text()}")
        listening = re.search(r"Listening at: (http://\S+)", app.log.read_text())
        if listening:
            app.url = listening.group(1)
            try:
                if Browser().get(app.url + "/healthz").status == 200:
                    return
            except OSError:
                pass  # not accepting yet
        time.sleep(0.1)
    pytest.fail(f"gunicorn was not healthy within {STARTUP_SECONDS} s:\n{app.log.read_text()}")


def stop(app):
    app.process.terminate()  # gunicorn stops its worker and exits
    try:
        app.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(app.process.pid, signal.SIGKILL)
        app.process.wait(timeout=10)


def test_a_comment_posted_through_one_server_shows_on_the_page_the_other_had_cached(two_apps):
    first, second = two_apps
    post = PostFactory()
    trusted_commenter("ada@example.com")  # so Ada's comments need no moderation
    page = post.get_absolute_url()
    reader = Browser()
    before = reader.get(second.url + page)
    assert before.status == 200
    assert reader.get(second.url + page).etag == before.etag

    posted = Browser().send_comment(first, post, body="Sent through the first server.")

    assert posted.status == 303
    assert Comment.objects.get(body="Sent through the first server.").status == Comment.Status.APPROVED
    after = reader.get(second.url + page)
    assert "Sent through the first server." not in before.text
    assert "Sent through the first server." in after.text
    assert after.etag != before.etag


def test_rate_limits_count_comments_sent_to_either_server(two_apps, shared_cache):
    first, second = two_apps
    post = PostFactory()
    with shared_cache():
        rules = SiteSettings.load()
        rules.comment_rate_per_minute = 3
        rules.save()
    writer = Browser()

    responses = [
        writer.send_comment(app, post, body=f"Comment {n}.", email=f"reader{n}@example.com")
        for n, app in enumerate([first, second, first, second])
    ]

    assert [response.status for response in responses] == [303, 303, 303, 429]
    assert LIMITED in responses[-1].text
    assert Comment.objects.filter(post=post).count() == 3


def test_a_change_made_elsewhere_gives_the_other_server_a_new_page(two_apps, shared_cache):
    first, second = two_apps
    post = PostFactory(title="The first title")
    page = post.get_absolute_url()
    reader = Browser()
    cached = reader.get(second.url + page)

    # A change that tells no one (QuerySet.update sends no signal): both servers keep the shared copy.
    Post.objects.filter(pk=post.pk).update(title="The second title")
    unchanged = [reader.get(second.url + page), reader.get(first.url + page)]
    revalidated = reader.get(second.url + page, **{"If-None-Match": cached.etag})
    # The same change saved as the admin saves it (here, in this process, on the servers' cache).
    post.refresh_from_db()
    with shared_cache():
        post.save()
    fresh = reader.get(second.url + page)

    assert "The first title" in cached.text
    assert [response.etag for response in unchanged] == [cached.etag, cached.etag]
    assert all("The first title" in response.text for response in unchanged)
    assert revalidated.status == 304
    assert fresh.status == 200
    assert "The second title" in fresh.text
    assert fresh.etag != cached.etag
    assert reader.get(second.url + page, **{"If-None-Match": cached.etag}).status == 200
