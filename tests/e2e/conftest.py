import re
import shutil
from itertools import count
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from authors.roles import EDITORS, MODERATORS
from blog.models import Post
from tests.factories import PASSWORD, AuthorFactory

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def comment_form(page):
    """The comment form (#respond), wherever it is on the page: at the end or under a comment."""
    return page.locator("#respond")


def reply_nested_under(page, parent, reply):
    """The reply's list item sits in its parent's list of replies."""
    expect(page.locator(f"#comment-{parent.pk} > .comment-children > #comment-{reply.pk}")).to_have_count(1)


@pytest.fixture
def demo(live_server):
    """The demo content (`loaddemo`) on the live server: the seed post with its discussion."""
    call_command("loaddemo", verbosity=0)
    return live_server


@pytest.fixture
def seed_post(demo):
    """The demo's seed post, "Love Letters Between North Korea and Palestine"."""
    return Post.objects.get(slug="love-letters-between-north-korea-and-palestine")


@pytest.fixture
def editor(staff):
    """Edna, an Editor who signs in as "edna", with her author profile "Edna Editor" (`editor.author`)."""
    user = staff(EDITORS, username="edna")
    AuthorFactory(name="Edna Editor", slug="edna-editor", user=user)
    return user


@pytest.fixture
def log_in(live_server):
    """Sign in on the admin's login page: `log_in(page, username, next_url=…)` lands on `next_url`."""

    def sign_in(page, username="edna", *, next_url="/admin/"):
        page.goto(f"{live_server.url}/admin/login/?next={next_url}")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{live_server.url}{next_url}")

    return sign_in


@pytest.fixture
def moderator(staff):
    """Mona Moderator, who signs in as "mona"."""
    return staff(MODERATORS, username="mona", first_name="Mona", last_name="Moderator")


@pytest.fixture
def log_in_from_footer():
    """Sign in as staff do on the site: the footer's "Log in", then back on the same page."""

    def sign_in(page, username):
        came_from = page.url
        page.get_by_role("contentinfo").get_by_role("link", name="Log in").click()
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(came_from)

    return sign_in


@pytest.fixture
def violations(page):
    """What Chromium refused under the policy (its console says so), and script errors on `page`."""
    seen = []
    page.on("console", lambda message: "Content Security Policy" in message.text and seen.append(message.text))
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen


def _file_name(text):
    return re.sub(r"[^\w.-]+", "-", text).strip("-")


@pytest.fixture
def snap(request):
    """Save a full-page screenshot of a journey's step: `snap(page, "comment-posted")` writes
    test-artifacts/<test name>/01-comment-posted.png, numbered in the order taken."""
    folder = ARTIFACTS / _file_name(request.node.name)
    shutil.rmtree(folder, ignore_errors=True)  # no stale steps from an earlier run
    numbers = count(1)

    def take(page, name):
        path = folder / f"{next(numbers):02d}-{_file_name(name)}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=path, full_page=True)
        return path

    return take
