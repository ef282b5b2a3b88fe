"""A reader in a real browser: skipping to the content, searching, and a site that works offline.
The whole reading journey is in test_journeys_reading.py."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SEED_TITLE = "Love Letters Between North Korea and Palestine"


def test_keyboard_user_can_skip_to_content(demo, page):
    page.goto(demo.url)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))


def test_reader_searches_from_the_header(demo, page):
    page.goto(demo.url)
    page.get_by_role("searchbox", name="Search posts").fill("Pyongyang letters")
    page.get_by_role("button", name="Search").first.click()
    expect(page.locator(".search-snippet mark").first).to_be_visible()
    expect(page.get_by_role("link", name=SEED_TITLE)).to_be_visible()


def test_pages_load_nothing_from_other_hosts(demo, page):
    """The site works offline: every request a page makes goes to the site itself."""
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(demo.url)
    page.get_by_role("link", name=SEED_TITLE).click()
    page.wait_for_load_state("networkidle")
    assert any("/static/css/site.css" in url for url in requested)
    assert any("/media/avatars/" in url for url in requested), "the bio box avatar should load"
    foreign = [url for url in requested if not url.startswith(demo.url) and not url.startswith("data:")]
    assert foreign == []
