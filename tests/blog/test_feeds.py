import datetime
import xml.etree.ElementTree as ET

import feedparser
import pytest
import time_machine
from django.conf import settings
from django.contrib.sites.models import Site
from django.utils import timezone

from blog.models import Post, SiteSettings
from tests.factories import AuthorFactory, CategoryFactory, PostFactory, TagFactory
from tests.feeds import fetch_feed

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
FEED_URLS = ["/feed/", "/feed/atom/"]


@pytest.fixture
def site():
    """Two published posts by different authors in different categories, and posts readers may not see."""
    eugene = AuthorFactory(name="Eugene Bach", slug="eugene-bach")
    editors = AuthorFactory(name="The Editors", slug="the-editors")
    asia = CategoryFactory(name="Asia", slug="asia")
    about = CategoryFactory(name="About us", slug="about-us")
    letters = PostFactory(
        title="Love Letters",
        slug="love-letters",
        authors=[eugene, editors],
        categories=[asia],
        tags=[TagFactory()],
        published_at=timezone.now() - datetime.timedelta(days=2),
    )
    welcome = PostFactory(title="Welcome", slug="welcome", authors=[editors], categories=[about])
    for status in (Post.Status.DRAFT, Post.Status.PENDING):
        PostFactory(title=f"Hidden {status}", status=status, authors=[eugene], categories=[asia])
    PostFactory(
        title="Hidden scheduled",
        authors=[eugene],
        categories=[asia],
        published_at=timezone.now() + datetime.timedelta(days=1),
    )
    return {"letters": letters, "welcome": welcome, "eugene": eugene, "editors": editors, "asia": asia}


def absolute(post):
    return f"{settings.SITE_URL}{post.get_absolute_url()}"


def all_links(content):
    """Every URL the feed document itself gives: link elements and attributes, ids and guids."""
    urls = []
    for element in ET.fromstring(content).iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "link":
            urls.append(element.get("href") or element.text)
        elif tag in ("id", "guid"):
            urls.append(element.text)
    return urls


@pytest.mark.parametrize("url", FEED_URLS)
def test_site_feed_lists_published_posts_newest_first(client, site, url):
    response, feed = fetch_feed(client, url)

    assert feed.feed.title == SiteSettings.load().name
    assert [entry.title for entry in feed.entries] == ["Welcome", "Love Letters"]
    assert [entry.link for entry in feed.entries] == [absolute(site["welcome"]), absolute(site["letters"])]
    assert b"Hidden" not in response.content


@pytest.mark.parametrize("url", FEED_URLS)
def test_feed_links_are_absolute_on_the_site_url(client, site, url):
    response, feed = fetch_feed(client, url)

    links = all_links(response.content)
    assert len(links) >= 2 * len(feed.entries) + 1
    assert all(link.startswith("https://colloquy.example/") for link in links), links
    assert feed.feed.link == "https://colloquy.example/"


@pytest.mark.parametrize("url", FEED_URLS)
def test_feed_entries_have_authors_dates_categories_and_bodies(client, site, url):
    _response, feed = fetch_feed(client, url)

    letters = next(entry for entry in feed.entries if entry.title == "Love Letters")
    assert letters.author == "Eugene Bach, The Editors"
    published = datetime.datetime(*letters.published_parsed[:6], tzinfo=datetime.UTC)
    assert published == site["letters"].published_at.replace(microsecond=0)
    assert [tag.term for tag in letters.tags] == ["Asia"]
    assert "<em>Markdown</em>" in (letters.content[0].value if "content" in letters else letters.summary)
    assert all(entry.get("author") and entry.get("published_parsed") for entry in feed.entries)


@pytest.mark.parametrize("url", FEED_URLS)
def test_links_and_images_in_entry_bodies_are_absolute(client, url):
    PostFactory(
        body=(
            "See [the archive](/2024/01/) and [elsewhere](https://example.com/a).\n\n"
            "![A photo](/media/posts/photo.jpg)\n\n"
            '`<a href="/code-sample/">`'
        )
    )

    _response, feed = fetch_feed(client, url)

    body = feed.entries[0].summary
    assert 'href="https://colloquy.example/2024/01/"' in body
    assert 'src="https://colloquy.example/media/posts/photo.jpg"' in body
    assert 'href="https://example.com/a"' in body
    # Text that merely looks like a link, in a code sample, is left as written.
    assert '&lt;a href="/code-sample/"&gt;' in body


def test_atom_feed_points_to_itself(client, site):
    _response, feed = fetch_feed(client, "/feed/atom/")

    assert feed.version == "atom10"
    assert any(link.rel == "self" and link.href == "https://colloquy.example/feed/atom/" for link in feed.feed.links)
    assert feed.feed.subtitle == SiteSettings.load().tagline


def test_rss_feed_is_rss(client, site):
    _response, feed = fetch_feed(client, "/feed/")

    assert feed.version == "rss20"
    assert feed.feed.description == SiteSettings.load().tagline


def test_category_feed_lists_the_category_only(client, site):
    response, feed = fetch_feed(client, "/category/asia/feed/")

    assert feed.feed.title == "Colloquy: Asia"
    assert feed.feed.link == "https://colloquy.example/category/asia/"
    assert [entry.link for entry in feed.entries] == [absolute(site["letters"])]
    assert b"Hidden" not in response.content


def test_author_feed_lists_the_author_only(client, site):
    response, feed = fetch_feed(client, "/authors/eugene-bach/feed/")

    assert feed.feed.title == "Colloquy: Eugene Bach"
    assert feed.feed.link == "https://colloquy.example/authors/eugene-bach/"
    assert [entry.link for entry in feed.entries] == [absolute(site["letters"])]
    assert b"Hidden" not in response.content
    _response, editors = fetch_feed(client, "/authors/the-editors/feed/")
    assert [entry.title for entry in editors.entries] == ["Welcome", "Love Letters"]


@pytest.mark.parametrize("url", ["/category/nowhere/feed/", "/authors/nobody/feed/"])
def test_feed_for_unknown_slug_is_not_found(client, url):
    assert client.get(url).status_code == 404


def test_feed_is_capped_at_twenty_entries(client):
    PostFactory.create_batch(21)

    _response, feed = fetch_feed(client, "/feed/")

    assert len(feed.entries) == 20


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.parametrize("posts", [1, 12])
def test_feed_query_count_is_fixed(client, django_assert_num_queries, posts):
    # Both are read once and cached: a running site does not pay for them per feed.
    SiteSettings.load()
    Site.objects.get_current()
    authors = AuthorFactory.create_batch(3)
    PostFactory.create_batch(posts, authors=authors, categories=CategoryFactory.create_batch(3))

    # Posts, byline credits with their authors, categories.
    with django_assert_num_queries(3):
        response = client.get("/feed/")

    assert feedparser.parse(response.content).entries


def sitemap_urls(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    return [loc.text for loc in ET.fromstring(response.content).iterfind("sm:url/sm:loc", SITEMAP_NS)]


def test_sitemap_lists_exactly_the_published_posts(client, site):
    urls = sitemap_urls(client)

    post_urls = [url for url in urls if "/authors/" not in url]
    assert sorted(post_urls) == sorted([absolute(site["letters"]), absolute(site["welcome"])])
    assert all(url.startswith("https://colloquy.example/") for url in urls)


def test_sitemap_lists_authors_with_published_posts(client, site):
    AuthorFactory(name="Only drafts", slug="only-drafts")
    PostFactory(status=Post.Status.DRAFT, authors=[AuthorFactory(slug="draft-author")])

    author_urls = [url for url in sitemap_urls(client) if "/authors/" in url]

    assert author_urls == [
        "https://colloquy.example/authors/eugene-bach/",
        "https://colloquy.example/authors/the-editors/",
    ]


def test_sitemap_gains_a_scheduled_post_when_it_goes_live(client, site):
    scheduled = Post.objects.get(title="Hidden scheduled")
    assert absolute(scheduled) not in sitemap_urls(client)

    with time_machine.travel(scheduled.published_at, tick=False):
        assert absolute(scheduled) in sitemap_urls(client)
