import datetime
import json
import re
from urllib.parse import quote

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from authors.models import AuthorLink
from blog.context_processors import layout
from blog.models import Post
from tests.factories import AuthorFactory, CategoryFactory, PostFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://colloquy.example"
JUNE_15_2024 = datetime.datetime(2024, 6, 15, 12, tzinfo=datetime.UTC)

# Query counts per page, the same however much content there is.
HOME_QUERIES = 4  # count, posts, byline credits with authors, categories
# post, byline credits, authors, author links, categories, tags; then the discussion: the visible thread
# ids and the pinned comment (with comments: + the rows of this page's threads; see tests/comments).
POST_QUERIES = 8
CATEGORY_QUERIES = 5  # category, count, posts, byline credits with authors, categories
TAG_QUERIES = 5  # tag, count, posts, byline credits with authors, categories
AUTHOR_QUERIES = 6  # author, author links, count, posts, byline credits with authors, categories
SEARCH_QUERIES = 4  # count, posts, byline credits with authors, categories

SMALL = {"posts": 2, "authors": 1, "categories": 1, "tags": 1}
LARGE = {"posts": 12, "authors": 3, "categories": 4, "tags": 5}


@pytest.fixture(autouse=True)
def site_settings():
    """Cached before any request, with the menu, so query counts measure the page itself."""
    return layout()["site_settings"]


def build_site(posts, authors, categories, tags):
    """`posts` published posts, each with the same authors (with profile links), categories and tags."""
    byline = AuthorFactory.create_batch(authors)
    for author in byline:
        AuthorLink.objects.create(author=author, label="Mastodon", url="https://mastodon.example/@someone")
        AuthorLink.objects.create(author=author, label="GitHub", url="https://github.com/someone")
    return PostFactory.create_batch(
        posts,
        title="Gazette entry",
        authors=byline,
        categories=CategoryFactory.create_batch(categories),
        tags=TagFactory.create_batch(tags),
    )


def hidden_posts(**kwargs):
    """A draft, a post pending review and a scheduled post, with telling titles."""
    return [
        PostFactory(title="Hidden draft", status=Post.Status.DRAFT, **kwargs),
        PostFactory(title="Hidden pending", status=Post.Status.PENDING, **kwargs),
        PostFactory(title="Hidden scheduled", published_at=timezone.now() + datetime.timedelta(days=1), **kwargs),
    ]


def assert_hidden_posts_absent(response):
    for title in ("Hidden draft", "Hidden pending", "Hidden scheduled"):
        assertNotContains(response, title)


def card_count(response):
    return response.content.decode().count('<article class="post-card">')


# Home page


def test_home_lists_published_posts_only(client):
    visible = PostFactory(title="Visible post")
    hidden_posts()

    response = client.get("/")

    assertContains(response, f'<a href="{visible.get_absolute_url()}">Visible post</a>', html=True)
    assert_hidden_posts_absent(response)
    assert list(response.context["object_list"]) == [visible]


def test_home_lists_newest_first_and_paginates(client):
    posts = [
        PostFactory(title=f"Story {letter}", published_at=timezone.now() - datetime.timedelta(days=days))
        for days, letter in enumerate("ABCDEFGHIJKL", start=1)
    ]

    first = client.get("/")
    second = client.get("/?page=2")

    assert list(first.context["object_list"]) == posts[:10]
    assert card_count(first) == 10
    assertContains(first, 'rel="next" href="?page=2"')
    assert list(second.context["object_list"]) == posts[10:]
    assert card_count(second) == 2
    assertContains(second, "Page 2 of 2")
    assertContains(second, 'rel="prev" href="?page=1"')
    assert client.get("/?page=3").status_code == 404


def test_home_shows_comment_counts(client):
    several = PostFactory()
    one = PostFactory()
    Post.objects.filter(pk=several.pk).update(comment_count=3)
    Post.objects.filter(pk=one.pk).update(comment_count=1)

    response = client.get("/")

    assertContains(response, f'<a href="{several.get_absolute_url()}#comments">3 comments</a>', html=True)
    assertContains(response, f'<a href="{one.get_absolute_url()}#comments">1 comment</a>', html=True)


def test_home_with_no_posts(client):
    assertContains(client.get("/"), "No posts yet.")


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["small", "large"])
def test_home_query_count_is_fixed(client, django_assert_num_queries, size):
    build_site(**size)

    with django_assert_num_queries(HOME_QUERIES):
        response = client.get("/")

    assert card_count(response) == min(size["posts"], 10)


# Post page


def test_post_page_shows_the_post(client):
    eugene = AuthorFactory(name="Eugene Bach", slug="eugene-bach", bio="Works with **Back to Jerusalem**.")
    editors = AuthorFactory(name="The Editors", slug="the-editors")
    AuthorLink.objects.create(author=eugene, label="Mastodon", url="https://mastodon.example/@eugene")
    post = PostFactory(
        title="Love Letters",
        dek="What the letters reveal.",
        body="The *first* letter.",
        authors=[eugene, editors],
        categories=[CategoryFactory(name="Asia", slug="asia")],
        tags=[TagFactory(name="Diplomacy", slug="diplomacy")],
    )

    response = client.get(post.get_absolute_url())

    assertContains(response, '<h1 class="post__title">Love Letters</h1>', html=True)
    assertContains(response, "What the letters reveal.")
    assertContains(response, "<p>The <em>first</em> letter.</p>", html=True)
    assertContains(response, '<a href="/authors/eugene-bach/" rel="author">Eugene Bach</a>', html=True)
    assertContains(response, '<a href="/authors/the-editors/" rel="author">The Editors</a>', html=True)
    assert re.search(r"By <a [^>]+>Eugene Bach</a> and <a [^>]+>The Editors</a>", response.content.decode())
    assertContains(response, '<a href="/category/asia/">Asia</a>', html=True)
    assertContains(response, '<a class="pill" rel="tag" href="/tag/diplomacy/">#Diplomacy</a>', html=True)
    # One bio box per author, with the bio, profile links and a link to the author page.
    assertContains(response, 'class="bio-box"', count=2)
    assertContains(response, "Works with <strong>Back to Jerusalem</strong>.", html=True)
    assertContains(response, '<a href="/authors/eugene-bach/">All posts by Eugene Bach</a>', html=True)
    assertContains(response, '<a href="https://mastodon.example/@eugene" rel="me noopener">Mastodon</a>', html=True)
    assertContains(response, '<a href="/authors/the-editors/">All posts by The Editors</a>', html=True)


def test_post_page_with_a_stale_year_or_month_redirects_to_the_canonical_url(client):
    post = PostFactory(slug="moved", published_at=datetime.datetime(2024, 3, 5, 12, tzinfo=datetime.UTC))

    assertRedirects(client.get("/2023/03/moved/"), "/2024/03/moved/", status_code=301)
    assertRedirects(client.get("/2024/04/moved/"), "/2024/03/moved/", status_code=301)
    assert client.get(post.get_absolute_url()).status_code == 200


def test_post_page_follows_the_site_time_zone(client, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    PostFactory(slug="late", published_at=datetime.datetime(2024, 1, 31, 23, 30, tzinfo=datetime.UTC))

    assert client.get("/2024/02/late/").status_code == 200
    assertRedirects(client.get("/2024/01/late/"), "/2024/02/late/", status_code=301)


@pytest.mark.parametrize(
    "hidden",
    [
        {"status": Post.Status.DRAFT},
        {"status": Post.Status.PENDING},
        {"published_at": datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC)},
    ],
    ids=["draft", "pending", "scheduled"],
)
def test_post_page_of_an_unpublished_post_is_not_found(client, hidden):
    post = PostFactory(slug="secret", **hidden)
    local = timezone.localtime(post.published_at)

    assert client.get(f"/{local:%Y}/{local:%m}/secret/").status_code == 404


def test_unknown_post_is_not_found(client):
    assert client.get("/2024/01/no-such-post/").status_code == 404


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["small", "large"])
def test_post_page_query_count_is_fixed(client, django_assert_num_queries, size):
    post = build_site(**size)[0]

    with django_assert_num_queries(POST_QUERIES):
        response = client.get(post.get_absolute_url())

    assertContains(response, 'class="bio-box"', count=size["authors"])
    assertContains(response, 'rel="tag"', count=size["tags"])


# Preview


def test_preview_sends_anonymous_readers_to_log_in(client):
    post = PostFactory(status=Post.Status.DRAFT, published_at=None)

    response = client.get(f"/preview/{post.pk}/")

    assertRedirects(response, f"/admin/login/?next=/preview/{post.pk}/", fetch_redirect_response=False)


def test_preview_shows_a_draft_to_a_superuser_and_is_not_indexed(client):
    post = PostFactory(title="Draft in progress", status=Post.Status.DRAFT, published_at=None)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.get(f"/preview/{post.pk}/")

    assertContains(response, "Draft in progress")
    assertContains(response, "Preview: Draft")
    assertContains(response, '<meta name="robots" content="noindex">', html=True)
    assert response["X-Robots-Tag"] == "noindex"
    assertNotContains(response, 'rel="canonical"')


def test_preview_of_a_scheduled_post_says_when_it_goes_live(client):
    post = PostFactory(published_at=datetime.datetime(2099, 1, 2, 9, 30, tzinfo=datetime.UTC))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assertContains(client.get(f"/preview/{post.pk}/"), "scheduled for January 2, 2099, 09:30")


def test_preview_needs_permission(client):
    post = PostFactory(status=Post.Status.DRAFT)
    client.force_login(UserFactory(is_staff=True))

    assert client.get(f"/preview/{post.pk}/").status_code == 403


def test_preview_without_edit_others_permission_shows_only_own_posts(client):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_post"))
    own = PostFactory(status=Post.Status.DRAFT, authors=[AuthorFactory(user=user)])
    others = PostFactory(status=Post.Status.DRAFT)
    client.force_login(user)

    assert client.get(f"/preview/{own.pk}/").status_code == 200
    assert client.get(f"/preview/{others.pk}/").status_code == 404


# Category and tag pages


def test_category_page_lists_its_published_posts_only(client):
    asia = CategoryFactory(name="Asia", slug="asia", description="East and South-East Asia.")
    inside = PostFactory(title="Inside Asia", categories=[asia])
    PostFactory(title="Elsewhere", categories=[CategoryFactory()])
    hidden_posts(categories=[asia])

    response = client.get("/category/asia/")

    assertContains(response, '<h1 class="page-title">Asia</h1>', html=True)
    assertContains(response, "East and South-East Asia.")
    assertContains(response, '<a href="/category/asia/feed/">Feed for Asia</a>', html=True)
    assert list(response.context["object_list"]) == [inside]
    assertNotContains(response, "Elsewhere")
    assert_hidden_posts_absent(response)


def test_unknown_category_is_not_found(client):
    assert client.get("/category/nowhere/").status_code == 404


def test_tag_page_lists_its_published_posts_only(client):
    tag = TagFactory(name="Diplomacy", slug="diplomacy")
    tagged = PostFactory(title="Tagged post", tags=[tag])
    PostFactory(title="Untagged post")
    hidden_posts(tags=[tag])

    response = client.get("/tag/diplomacy/")

    assertContains(response, "Posts tagged “Diplomacy”")
    assert list(response.context["object_list"]) == [tagged]
    assertNotContains(response, "Untagged post")
    assert_hidden_posts_absent(response)


def test_unknown_tag_is_not_found(client):
    assert client.get("/tag/nothing/").status_code == 404


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["small", "large"])
def test_category_and_tag_query_counts_are_fixed(client, django_assert_num_queries, size):
    post = build_site(**size)[0]
    category_url = post.categories.first().get_absolute_url()
    tag_url = post.tags.first().get_absolute_url()

    with django_assert_num_queries(CATEGORY_QUERIES):
        category_page = client.get(category_url)
    with django_assert_num_queries(TAG_QUERIES):
        tag_page = client.get(tag_url)

    assert card_count(category_page) == card_count(tag_page) == min(size["posts"], 10)


# Date archives


@pytest.fixture
def archive_posts():
    """Posts around a clock frozen at 15 June 2024, noon UTC."""
    with time_machine.travel(JUNE_15_2024, tick=False) as traveller:
        PostFactory(title="March story", published_at=datetime.datetime(2024, 3, 10, tzinfo=datetime.UTC))
        PostFactory(title="Last year story", published_at=datetime.datetime(2023, 11, 1, tzinfo=datetime.UTC))
        PostFactory(
            title="May draft", status=Post.Status.DRAFT, published_at=datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC)
        )
        PostFactory(
            title="May pending",
            status=Post.Status.PENDING,
            published_at=datetime.datetime(2024, 5, 2, tzinfo=datetime.UTC),
        )
        PostFactory(title="July scheduled", published_at=datetime.datetime(2024, 7, 1, 8, tzinfo=datetime.UTC))
        yield traveller


def test_year_archive_lists_published_posts_of_that_year(client, archive_posts):
    response = client.get("/2024/")

    assertContains(response, "Posts from 2024")
    assertContains(response, "March story")
    assertContains(response, '<a href="/2024/03/">March</a>', html=True)
    for absent in ("Last year story", "May draft", "May pending", "July scheduled", "/2024/05/", "/2024/07/"):
        assertNotContains(response, absent)
    assertContains(client.get("/2023/"), "Last year story")


def test_month_archive_lists_published_posts_of_that_month(client, archive_posts):
    response = client.get("/2024/03/")

    assertContains(response, "Posts from March 2024")
    assertContains(response, "March story")
    assertNotContains(response, "Last year story")


@pytest.mark.parametrize("url", ["/2024/04/", "/2024/05/", "/2024/07/", "/2022/", "/2025/"])
def test_empty_or_unpublished_archives_are_not_found(client, archive_posts, url):
    assert client.get(url).status_code == 404


def test_scheduled_post_joins_the_archive_when_its_time_comes(client, archive_posts):
    assert client.get("/2024/07/").status_code == 404

    archive_posts.move_to(datetime.datetime(2024, 7, 1, 8, tzinfo=datetime.UTC))

    assertContains(client.get("/2024/07/"), "July scheduled")
    assertContains(client.get("/2024/"), "July scheduled")


def test_month_archive_follows_the_site_time_zone(client, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    PostFactory(title="Late in January UTC", published_at=datetime.datetime(2024, 1, 31, 23, 30, tzinfo=datetime.UTC))

    assertContains(client.get("/2024/02/"), "Late in January UTC")
    assert client.get("/2024/01/").status_code == 404


# Author page


def test_author_page_shows_bio_and_published_posts_only(client):
    author = AuthorFactory(
        name="Eugene Bach", slug="eugene-bach", job_title="Back to Jerusalem", bio="A *trouble-maker*."
    )
    AuthorLink.objects.create(author=author, label="Book", url="https://books.example/eugene")
    own = PostFactory(title="His story", authors=[author])
    PostFactory(title="Someone else's story")
    hidden_posts(authors=[author])

    response = client.get("/authors/eugene-bach/")

    assertContains(response, '<h1 class="page-title">Eugene Bach</h1>', html=True)
    assertContains(response, "Back to Jerusalem")
    assertContains(response, "A <em>trouble-maker</em>.", html=True)
    assertContains(response, '<a href="https://books.example/eugene" rel="me noopener">Book</a>', html=True)
    assertContains(response, '<a href="/authors/eugene-bach/feed/">Feed</a>', html=True)
    assert list(response.context["object_list"]) == [own]
    assertNotContains(response, "Someone else")
    assert_hidden_posts_absent(response)


def test_author_page_without_published_posts(client):
    author = AuthorFactory()
    PostFactory(status=Post.Status.DRAFT, authors=[author])

    assertContains(client.get(author.get_absolute_url()), "No published posts yet.")


def test_unknown_author_is_not_found(client):
    assert client.get("/authors/nobody/").status_code == 404


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["small", "large"])
def test_author_page_query_count_is_fixed(client, django_assert_num_queries, size):
    author_url = build_site(**size)[0].byline[0].get_absolute_url()

    with django_assert_num_queries(AUTHOR_QUERIES):
        response = client.get(author_url)

    assert card_count(response) == min(size["posts"], 10)


# Search


def search(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    return response


def test_search_finds_posts_by_title_and_by_body(client):
    by_title = PostFactory(title="Pyongyang correspondence", body="Nothing relevant.")
    by_body = PostFactory(title="Another letter", body="Sent from Pyongyang last spring.")
    PostFactory(title="Unrelated", body="Nothing relevant.")

    response = search(client, "pyongyang")

    assert set(response.context["object_list"]) == {by_title, by_body}
    assertContains(response, "2 results for “pyongyang”")
    assertNotContains(response, "Unrelated")


def test_search_ranks_a_title_match_above_a_body_only_match(client):
    older_title_match = PostFactory(
        title="Kimchi", body="About fermentation.", published_at=timezone.now() - datetime.timedelta(days=30)
    )
    newer_body_match = PostFactory(title="Dinner notes", body="We had kimchi with rice.")

    assert list(search(client, "kimchi").context["object_list"]) == [older_title_match, newer_body_match]


def test_search_highlights_matches_and_escapes_the_text(client):
    PostFactory(title="Maths", body="When `1 < 2 && 3 > 2` holds, the `<img src=x onerror=alert(1)>` tag kimchi wins.")

    response = search(client, "kimchi")

    snippet = re.search(r'<p class="search-snippet">(.*?)</p>', response.content.decode(), re.S).group(1)
    assert "<mark>kimchi</mark>" in snippet
    assert "1 &lt; 2 &amp;&amp; 3 &gt; 2" in snippet
    assert "<img" not in snippet
    assert re.sub(r"</?mark>", "", snippet).count("<") == 0


def test_search_never_finds_unpublished_posts(client):
    PostFactory(title="Zanzibar draft", status=Post.Status.DRAFT)
    PostFactory(title="Zanzibar pending", status=Post.Status.PENDING)
    PostFactory(title="Zanzibar scheduled", published_at=timezone.now() + datetime.timedelta(hours=1))

    response = search(client, "zanzibar")

    assert list(response.context["object_list"]) == []
    assertContains(response, "Nothing matched.")
    assertNotContains(response, "Zanzibar draft")


@pytest.mark.parametrize(
    "query",
    ["", "   ", "a" * 1000, "!!! && ||", '"unterminated', "it's", "'", '"', "-", "\\", "a\x00b", "\u202e"],
    ids=[
        "empty",
        "blank",
        "long",
        "punctuation",
        "open-quote",
        "apostrophe",
        "single",
        "double",
        "minus",
        "bs",
        "nul",
        "rtl",
    ],
)
def test_odd_search_queries_do_not_fail(client, query):
    PostFactory(title="Something searchable")

    response = search(client, query)

    assert len(response.context["query"]) <= 200
    assert "\x00" not in response.context["query"]


def test_search_query_is_escaped_in_the_page(client):
    response = search(client, "<script>alert(1)</script>")

    assertNotContains(response, "<script>alert(1)")
    assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt;")


def test_empty_search_shows_the_form_without_results(client):
    PostFactory(title="Something searchable")

    response = search(client, "")

    assertContains(response, '<form class="search-form"')
    assertNotContains(response, "result")
    assertNotContains(response, "Something searchable")


def test_search_paginates_and_keeps_the_query(client):
    PostFactory.create_batch(12, title="Gazette entry")

    response = search(client, "gazette")

    assert card_count(response) == 10
    assertContains(response, 'href="?q=gazette&amp;page=2"')
    assert card_count(client.get("/search/", {"q": "gazette", "page": 2})) == 2


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["small", "large"])
def test_search_query_count_is_fixed(client, django_assert_num_queries, size):
    build_site(**size)

    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.get("/search/", {"q": "gazette"})

    assert card_count(response) == min(size["posts"], 10)


# Site-wide


def test_robots_txt(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert f"Sitemap: {SITE_URL}/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines


def test_healthz(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["status"] == "ok"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("url", ["/no-such-page/", "/2024/01/no-such-post/", "/category/nowhere/"])
def test_not_found_page_is_friendly(client, url):
    response = client.get(url)

    assert response.status_code == 404
    assertContains(response, "We couldn’t find that page", status_code=404)
    assertContains(response, '<form action="/search/" method="get" role="search">', status_code=404)
    assertContains(response, '<meta name="robots" content="noindex">', status_code=404, html=True)
    assertContains(response, '<a class="skip-link" href="#main">', status_code=404)
    assertContains(response, f'<a href="/admin/login/?next={url}">Log in</a>', status_code=404, html=True)


PAGES = {
    "home": lambda post: "/",
    "post": lambda post: post.get_absolute_url(),
    "category": lambda post: post.categories.get().get_absolute_url(),
    "tag": lambda post: post.tags.get().get_absolute_url(),
    "year": lambda post: f"/{timezone.localtime(post.published_at):%Y}/",
    "month": lambda post: f"/{timezone.localtime(post.published_at):%Y/%m}/",
    "author": lambda post: post.byline[0].get_absolute_url(),
    "search": lambda post: "/search/?q=gazette",
}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_head_metadata_skip_link_and_login_link(client, page):
    post = build_site(**SMALL)[0]
    url = PAGES[page](post)

    response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    path = url.split("?")[0]
    assert re.search(r"<title>[^<]*\w[^<]*</title>", html)
    assert re.search(r'<meta name="description" content="[^"]*\w[^"]*">', html)
    assert f'<link rel="canonical" href="{SITE_URL}{path}">' in html
    assert re.search(r'<meta property="og:title" content="[^"]*\w[^"]*">', html)
    assert '<a class="skip-link" href="#main">Skip to content</a>' in html
    assert '<main id="main"' in html
    login = f'<a href="/admin/login/?next={quote(url, safe="/")}">Log in</a>'
    assert login in html
