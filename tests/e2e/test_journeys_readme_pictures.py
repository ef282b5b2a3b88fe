"""The README's pictures, taken from the demo content as a visitor, a moderator and a phone
see it. Screen-sized (1280×800, and 390×844 for the phone) rather than full pages, so they
stay small; `make screenshots` copies them from test-artifacts/readme/ into docs/."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from blog.models import Post
from tests.e2e.conftest import ARTIFACTS
from tests.factories import PASSWORD, make_comment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SEED_POST = "Love Letters Between North Korea and Palestine"


def picture(page, name):
    path = ARTIFACTS / "readme" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path)
    return path


def test_readme_pictures(live_server, browser, moderator):
    call_command("loaddemo", verbosity=0)
    seed = Post.objects.get(title=SEED_POST)
    held = [
        ("Mira Sol", "Were the letters ever *answered*? I would love to read a reply."),
        ("Tomas Berg", "Great read. Visit my site for cheap watches!"),
        ("Lena Park", "Is there an archive of these letters anywhere online?"),
    ]
    for name, body in held:
        make_comment(seed, name=name, status="pending", body=body)

    desktop = browser.new_context(viewport=DESKTOP)
    page = desktop.new_page()
    page.goto(live_server.url)
    expect(page.get_by_role("link", name=SEED_POST).first).to_be_visible()
    picture(page, "home")

    page.get_by_role("link", name=SEED_POST).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SEED_POST)
    page.evaluate("document.getElementById('comments').scrollIntoView({block: 'start'})")
    expect(page.locator(".comment").first).to_be_visible()
    picture(page, "discussion")

    page.get_by_role("contentinfo").get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("mona")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("contentinfo").get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("link", name="3 comments awaiting moderation").click()
    expect(page.locator("#result_list")).to_contain_text("Is there an archive")
    picture(page, "moderation")
    desktop.close()

    phone = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(live_server.url)
    page.get_by_role("link", name=SEED_POST).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SEED_POST)
    page.evaluate("document.getElementById('comments').scrollIntoView({block: 'start'})")
    picture(page, "phone")
    phone.close()
