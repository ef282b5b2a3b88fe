"""Every public page runs as many queries with a little content as with a lot, the page cache off.

tests/blog/test_views.py and tests/blog/test_feeds.py pin the counts of some pages at 2 and
12 posts, and tests/comments/test_discussion.py the post page at 10 and 1,000 comments; here
each page is counted on a small site, the site grows (200 posts, 1,000 comments), and the
page must cost the same again. The growth goes in with bulk inserts, so the file stays fast.
"""

import datetime

import pytest
from django.contrib.sites.models import Site
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authors.models import AuthorLink
from blog.context_processors import layout
from blog.models import Post, PostAuthor
from comments.models import Comment
from comments.viewers import HELD_COOKIE, remember_held
from tests.factories import (
    AuthorFactory,
    CategoryFactory,
    PostFactory,
    TagFactory,
    comment_node,
    make_comment,
    make_threads,
)

pytestmark = pytest.mark.django_db

PUBLISHED = datetime.datetime(2024, 6, 15, 12, tzinfo=datetime.UTC)
MANY_POSTS = 200
COMMENTED_POSTS = 25  # more than a comment feed holds (20), each with its own post


@pytest.fixture(autouse=True)
def page_cache_off(settings):
    settings.PAGE_CACHE_SECONDS = 0


def warm():
    """What a running site has read once and cached: the site settings, the menu and the Site."""
    layout()
    Site.objects.get_current()


def queries_for(client, url):
    warm()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.fixture
def small_site():
    """One published post with an author (with a profile link), a category, a tag and an approved comment."""
    author = AuthorFactory(slug="ursula")
    AuthorLink.objects.create(author=author, label="Mastodon", url="https://mastodon.example/@ursula")
    post = PostFactory(
        title="Gazette entry",
        slug="gazette-0",
        published_at=PUBLISHED,
        authors=[author],
        categories=[CategoryFactory(slug="essays")],
        tags=[TagFactory(slug="slow")],
    )
    make_comment(post, name="Carla")
    return post


def grow_to(first, total):
    """Add published posts like `first` (same category and tag, its author among others) up to `total`,
    the newest ones with a comment each."""
    authors = [first.byline[0], *AuthorFactory.create_batch(4)]
    posts = Post.objects.bulk_create(
        Post(
            title="Gazette entry",
            slug=f"gazette-{number}",
            dek=first.dek,
            body=first.body,
            body_html=first.body_html,
            body_text=first.body_text,
            status=Post.Status.PUBLISHED,
            # All in the first post's month, so the archives grow too.
            published_at=PUBLISHED - datetime.timedelta(minutes=number),
        )
        for number in range(1, total)
    )
    PostAuthor.objects.bulk_create(
        PostAuthor(post=post, author=authors[number % len(authors)], order=0) for number, post in enumerate(posts)
    )
    category, tag = first.categories.get(), first.tags.get()
    Post.categories.through.objects.bulk_create(Post.categories.through(post=post, category=category) for post in posts)
    Post.tags.through.objects.bulk_create(Post.tags.through(post=post, tag=tag) for post in posts)
    for post in posts[:COMMENTED_POSTS]:
        make_threads(post, comment_node(f"Reader of {post.slug}"))
    assert Post.objects.published().count() == total


def post_list_pages(post):
    """Every public page whose content grows with the number of posts."""
    return {
        "home": "/",
        "post": post.get_absolute_url(),
        "category": "/category/essays/",
        "tag": "/tag/slow/",
        "author": "/authors/ursula/",
        "year archive": "/2024/",
        "month archive": "/2024/06/",
        "search": "/search/?q=gazette",
        "rss": reverse("blog:feed"),
        "atom": reverse("blog:feed_atom"),
        "category feed": reverse("blog:category_feed", args=["essays"]),
        "author feed": reverse("authors:author_feed", args=["ursula"]),
        "comment feed": reverse("comments:feed"),
        "comment atom": reverse("comments:feed_atom"),
        "post comment feed": reverse("comments:post_feed", args=[post.pk]),
        "post comment atom": reverse("comments:post_feed_atom", args=[post.pk]),
        "sitemap": reverse("sitemap"),
    }


def count_every_page(client, pages):
    """{page: queries} for each of `pages` ({page: url})."""
    return {page: queries_for(client, url) for page, url in pages.items()}


def test_every_page_costs_the_same_with_1_and_with_200_posts(client, small_site):
    pages = post_list_pages(small_site)
    with_one = count_every_page(client, pages)

    grow_to(small_site, MANY_POSTS)

    assert count_every_page(client, pages) == with_one


def test_the_lists_really_show_the_200_posts(client, small_site):
    """The pages counted above do read the grown site (so the equal counts mean something)."""
    grow_to(small_site, MANY_POSTS)

    assert "Page 1 of 20" in client.get("/").content.decode()
    assert "Page 1 of 20" in client.get("/category/essays/").content.decode()
    assert client.get("/sitemap.xml").content.decode().count("<url>") >= MANY_POSTS
    assert client.get(reverse("comments:feed")).content.decode().count("<item>") == 20


# 10 and 1,000 comments (the plain post page is counted in tests/comments/test_discussion.py)


def held_cookie(comment):
    """The signed cookie the writer of `comment` got when the site held it."""
    response = HttpResponse()
    remember_held(RequestFactory().get("/"), response, comment)
    return response.cookies[HELD_COOKIE].value


@pytest.fixture
def discussion():
    """A post with 10 comments (two threads of five), one of them held, and a way to grow it to 1,000."""
    post = PostFactory(published_at=PUBLISHED)
    comments = make_threads(
        post,
        comment_node(
            "Karl", *(comment_node(f"Karl reply {n}") for n in range(3)), comment_node("Held", status="pending")
        ),
        comment_node("Abdul", *(comment_node(f"Abdul reply {n}") for n in range(4))),
    )
    assert Comment.objects.count() == 10

    def grow():
        threads = [comment_node(f"Thread {t}", *(comment_node(f"Reply {t}.{r}") for r in range(9))) for t in range(99)]
        make_threads(post, *threads)
        assert Comment.objects.count() == 1000

    return post, comments, grow


def discussion_pages(post, comments):
    return {
        "second page of threads": f"{post.get_absolute_url()}?cpage=2",
        "reply page": f"{post.get_absolute_url()}?replyto={comments['Karl'].pk}",
        "post comment feed": reverse("comments:post_feed", args=[post.pk]),
        "post comment atom": reverse("comments:post_feed_atom", args=[post.pk]),
        "comment feed": reverse("comments:feed"),
        "home": "/",
    }


def test_every_discussion_page_costs_the_same_with_10_and_with_1000_comments(client, discussion):
    post, comments, grow = discussion
    pages = discussion_pages(post, comments)
    writer = Client()
    writer.cookies[HELD_COOKIE] = held_cookie(comments["Held"])
    with_ten = {
        **count_every_page(client, pages),
        "held writer's post page": queries_for(writer, post.get_absolute_url()),
    }

    grow()

    with_thousand = {
        **count_every_page(client, pages),
        "held writer's post page": queries_for(writer, post.get_absolute_url()),
    }
    assert with_thousand == with_ten
    assert "Held writes." in writer.get(post.get_absolute_url()).content.decode()
    assert "Comment page 2 of 3" in client.get(pages["second page of threads"]).content.decode()
