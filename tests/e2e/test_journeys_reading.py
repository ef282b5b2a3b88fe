"""Journey 1, as a person reads: from the home page to the seed post, its author's page and back."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_reader_finds_the_seed_post_reads_it_and_visits_its_author(demo, seed_post, page, snap):
    page.goto(demo.url)
    expect(page).to_have_title(re.compile("Colloquy"))
    snap(page, "home")

    page.get_by_role("link", name=seed_post.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(seed_post.title)
    expect(page).to_have_url(f"{demo.url}{seed_post.get_absolute_url()}")
    expect(page.locator(".post__body")).to_contain_text("Kim Jong Un received a special letter")
    # The discussion reads as a conversation: Eugene answers Karl, with his Author badge.
    karl = page.locator(".comment", has=page.get_by_text("Karl Abraham", exact=True)).first
    eugene = karl.locator(".comment-children > .comment").first
    expect(eugene.locator(".comment__author")).to_have_text("Eugene")
    expect(eugene.locator(".badge--author")).to_have_text("Author")
    snap(page, "seed-post")

    bio = page.locator(".bio-box")
    expect(bio).to_contain_text("Back to Jerusalem")
    bio.get_by_role("link", name="Eugene Bach", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Eugene Bach")
    expect(page.get_by_role("link", name=seed_post.title)).to_be_visible()
    snap(page, "author-page")

    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text(seed_post.title)
    snap(page, "back-on-the-post")
