import pytest
from playwright.sync_api import expect

from authors.roles import EDITORS
from tests.factories import PASSWORD, AuthorFactory


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
def violations(page):
    """What Chromium refused under the policy (its console says so), and script errors on `page`."""
    seen = []
    page.on("console", lambda message: "Content Security Policy" in message.text and seen.append(message.text))
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen
