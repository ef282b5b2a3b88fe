import os

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.urls import reverse

from authors.roles import sync_roles
from comments.spam import form_token
from tests.factories import UserFactory

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be usable there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Each test starts with an empty cache and its own media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def no_page_cache(settings):
    """Pages rendered every time: for counting what rendering a page costs, not a cache hit."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def staff(db):
    """Make a staff login in one of the groups: `staff(EDITORS, username="edna")`."""
    # The roles migration made the groups, but a browser test's flush may have emptied them since.
    sync_roles()

    def make(group_name, **fields):
        user = UserFactory(is_staff=True, **fields)
        user.groups.add(Group.objects.get(name=group_name))
        return user

    return make


@pytest.fixture
def send_comment(client):
    """Post the comment form under a post as a reader's browser does, with the page's signed timestamp.

    `send(post, body=…)`: `browser` is another test client, `meta` request headers and
    environ (REMOTE_ADDR, HTTP_X_FORWARDED_FOR); other keywords are form fields.
    """

    def send(post, *, browser=None, meta=None, **fields):
        data = {
            "name": "Ada Reader",
            "email": "ada@example.com",
            "website": "",
            "body": "A fine post.",
            "form_token": form_token(),
            **fields,
        }
        meta = {"HTTP_USER_AGENT": "TestBrowser/1.0", **(meta or {})}
        return (browser or client).post(reverse("comments:create", args=[post.pk]), data, **meta)

    return send


@pytest.fixture
def delivered(mailoutbox):
    """Send the mail queue as `manage.py deliver_mail` does; returns every email sent in this test.

    Notifications are queued after the commit: wrap the action in
    `django_capture_on_commit_callbacks(execute=True)` first, then call `delivered()`.
    """
    from comments.mail import deliver

    def send_queue():
        deliver()
        return mailoutbox

    return send_queue


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a downloaded browser; quiet on a closed network."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
