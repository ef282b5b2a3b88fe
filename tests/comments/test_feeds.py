"""Comment feeds: approved comments on published posts, absolute links, never an email."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sites.models import Site
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from blog.models import Post, SiteSettings
from comments.models import Comment
from tests.factories import PostFactory, make_comment
from tests.feeds import fetch_feed

SITE_FEEDS = [reverse("comments:feed"), reverse("comments:feed_atom")]


def post_feeds(post_id):
    return [
        reverse("comments:post_feed", kwargs={"post_id": post_id}),
        reverse("comments:post_feed_atom", kwargs={"post_id": post_id}),
    ]


@pytest.fixture
def site(db):
    """Approved comments on two published posts, and comments readers may not see."""
    letters = PostFactory(title="Love Letters")
    welcome = PostFactory(title="Welcome")
    karl = make_comment(
        letters,
        name="Karl Abraham",
        email="karl@example.com",
        body="Interesting to *see* [the letter](/2020/09/letter/).",
        created_at=timezone.now() - datetime.timedelta(hours=2),
    )
    abdul = make_comment(welcome, name="Abdul Momen", email="abdul@example.com", body="Welcome indeed.")
    for status in (Comment.Status.PENDING, Comment.Status.SPAM, Comment.Status.REMOVED):
        make_comment(letters, name=f"Hidden {status}", email=f"{status}@example.com", status=status)
    draft = PostFactory(title="Draft", status=Post.Status.DRAFT)
    make_comment(draft, name="Hidden on a draft", email="draft@example.com")
    return {"letters": letters, "welcome": welcome, "karl": karl, "abdul": abdul, "draft": draft}


def assert_no_email(response):
    for email in Comment.objects.values_list("email", flat=True):
        assert email.encode() not in response.content
    assert b"@example.com" not in response.content


@pytest.mark.parametrize("url", SITE_FEEDS)
def test_site_feed_lists_approved_comments_on_published_posts_newest_first(client, site, url):
    response, feed = fetch_feed(client, url)

    assert feed.feed.title == "Comments on Colloquy"
    assert [entry.title for entry in feed.entries] == ["Abdul Momen on Welcome", "Karl Abraham on Love Letters"]
    assert [entry.author for entry in feed.entries] == ["Abdul Momen", "Karl Abraham"]
    assert [entry.link for entry in feed.entries] == [
        f"{settings.SITE_URL}{site['abdul'].get_absolute_url()}",
        f"{settings.SITE_URL}{site['karl'].get_absolute_url()}",
    ]
    assert b"Hidden" not in response.content
    assert_no_email(response)


@pytest.mark.parametrize("url", SITE_FEEDS)
def test_feed_entries_carry_the_sanitised_comment_with_absolute_links(client, site, url):
    _response, feed = fetch_feed(client, url)

    karl = feed.entries[1]
    description = karl.get("summary") or karl.content[0].value
    assert "<em>see</em>" in description
    assert f'href="{settings.SITE_URL}/2020/09/letter/"' in description
    assert all(entry.link.startswith(f"{settings.SITE_URL}/") for entry in feed.entries)


def test_a_comment_link_leads_to_the_comment_on_its_post(client, site):
    _response, feed = fetch_feed(client, SITE_FEEDS[0])

    response = client.get(feed.entries[1].link.removeprefix(settings.SITE_URL))

    assert response.status_code == 302
    assert response.url == f"{site['letters'].get_absolute_url()}#comment-{site['karl'].pk}"


@pytest.mark.parametrize("feed_index", [0, 1], ids=["rss", "atom"])
def test_post_feed_lists_only_that_posts_comments(client, site, feed_index):
    letters = site["letters"]

    response, feed = fetch_feed(client, post_feeds(letters.pk)[feed_index])

    assert feed.feed.title == "Comments on Love Letters"
    assert feed.feed.link == f"{settings.SITE_URL}{letters.get_absolute_url()}#comments"
    assert [entry.title for entry in feed.entries] == ["Karl Abraham on Love Letters"]
    assert b"Abdul" not in response.content
    assert_no_email(response)


def test_post_feed_of_an_unknown_or_unpublished_post_is_not_found(client, site):
    for url in (*post_feeds(10**9), *post_feeds(site["draft"].pk)):
        assert client.get(url).status_code == 404


def test_the_post_page_links_its_comment_feeds(client, site):
    letters = site["letters"]
    rss, atom = post_feeds(letters.pk)

    response = client.get(letters.get_absolute_url())

    assertContains(
        response,
        f'<link rel="alternate" type="application/rss+xml" title="Comments on Love Letters (RSS)" href="{rss}">',
    )
    assertContains(
        response,
        f'<link rel="alternate" type="application/atom+xml" title="Comments on Love Letters (Atom)" href="{atom}">',
    )
    assertContains(response, f'<a href="{rss}" type="application/rss+xml">comments feed</a>')


@pytest.mark.usefixtures("no_page_cache")
def test_the_comment_feed_takes_a_fixed_number_of_queries(client, site):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            fetch_feed(client, SITE_FEEDS[0])
        return len(captured)

    SiteSettings.load()  # created on first use: not part of what a feed costs
    Site.objects.get_current()  # read once per process
    before = queries()
    for number in range(10):
        make_comment(PostFactory(), name=f"Reader {number}")
    assert queries() == before == 1
