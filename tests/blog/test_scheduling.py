"""Scheduled posts go live by themselves, on every public surface at once, at their time;
editors enter that time in the site's time zone and it is stored in UTC."""

import datetime
import re

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from authors.roles import EDITORS
from blog.models import Post
from tests.admin_forms import post_form
from tests.factories import AuthorFactory, CategoryFactory, PostFactory, TagFactory, make_comment

pytestmark = pytest.mark.django_db

GO_LIVE = datetime.datetime(2026, 6, 15, 12, tzinfo=datetime.UTC)
JUST_BEFORE = GO_LIVE - datetime.timedelta(microseconds=1)
TITLE = "Zeppelins over Lisbon"


@pytest.fixture
def scheduled():
    """A post scheduled for GO_LIVE, alone in its category, tag, author, year and month, with a comment.

    An older post keeps the site from being empty; the comment stands in for an imported one.
    """
    with time_machine.travel(GO_LIVE - datetime.timedelta(days=2), tick=False):
        PostFactory(title="An older story", published_at=datetime.datetime(2025, 1, 5, tzinfo=datetime.UTC))
        post = PostFactory(
            title=TITLE,
            body="Airships drift over the *Tagus*.",
            published_at=GO_LIVE,
            authors=[AuthorFactory(name="Ines Ferreira", slug="ines-ferreira")],
            categories=[CategoryFactory(slug="skies")],
            tags=[TagFactory(slug="airships")],
        )
        make_comment(post, name="Early reader", body="Imported with the post.")
        assert post.is_scheduled
    return post


def sees(client, url, text):
    """Does the page at `url` answer and show `text`? (A 404 shows nothing.)"""
    response = client.get(url)
    assert response.status_code in (200, 404), (url, response.status_code)
    return response.status_code == 200 and text in response.content.decode()


def surfaces(post):
    """Every public page, feed and list that names a post: (what, url, the text that shows it)."""
    local = timezone.localtime(post.published_at)
    author = post.byline[0]
    comment = post.comments.get()
    return [
        ("home", "/", TITLE),
        ("post page", post.get_absolute_url(), TITLE),
        ("category page", post.categories.get().get_absolute_url(), TITLE),
        ("tag page", post.tags.get().get_absolute_url(), TITLE),
        ("author page", author.get_absolute_url(), TITLE),
        ("year archive", f"/{local.year}/", TITLE),
        ("month archive", f"/{local.year}/{local.month:02d}/", TITLE),
        ("search", "/search/?q=zeppelins", TITLE),
        ("search count", "/search/?q=airships+tagus", "1 result for"),
        ("RSS feed", reverse("blog:feed"), TITLE),
        ("Atom feed", reverse("blog:feed_atom"), TITLE),
        ("category feed", reverse("blog:category_feed", args=["skies"]), TITLE),
        ("author feed", reverse("authors:author_feed", args=[author.slug]), TITLE),
        ("sitemap: post", "/sitemap.xml", post.get_absolute_url()),
        ("sitemap: author", "/sitemap.xml", author.get_absolute_url()),
        ("comments feed", reverse("comments:feed"), "Imported with the post."),
        ("comments Atom feed", reverse("comments:feed_atom"), "Imported with the post."),
        ("post's comments feed", reverse("comments:post_feed", args=[post.pk]), "Imported with the post."),
        ("post's comments Atom feed", reverse("comments:post_feed_atom", args=[post.pk]), "Imported with the post."),
        ("comment permalink", comment.get_absolute_url(), ""),
    ]


def test_a_scheduled_post_appears_everywhere_at_its_time_and_not_a_moment_before(client, scheduled):
    for what, url, text in surfaces(scheduled):
        cache.clear()  # this clock goes back in time, which a cached page never sees happen
        with time_machine.travel(JUST_BEFORE, tick=False):
            if what == "comment permalink":
                assert client.get(url).status_code == 404, what
            else:
                assert not sees(client, url, text), f"{what} shows the post before its time"
        with time_machine.travel(GO_LIVE, tick=False):
            if what == "comment permalink":
                assert client.get(url).status_code == 302, what
            else:
                assert sees(client, url, text), f"{what} does not show the post at its time"


def test_the_post_page_is_not_found_until_its_time(client, scheduled):
    with time_machine.travel(JUST_BEFORE, tick=False):
        assert client.get(scheduled.get_absolute_url()).status_code == 404
    with time_machine.travel(GO_LIVE, tick=False):
        assert client.get(scheduled.get_absolute_url()).status_code == 200


def months(year_archive):
    """The months a year archive links to, as (year, month)."""
    return [(month.year, month.month) for month in year_archive.context["date_list"]]


def test_counts_include_the_post_from_its_time(client, scheduled):
    with time_machine.travel(JUST_BEFORE, tick=False):
        home = client.get("/")
        year = client.get("/2025/")
        assert (home.context["paginator"].count, len(home.context["object_list"])) == (1, 1)
        assert client.get("/search/?q=zeppelins").context["paginator"].count == 0
        assert client.get("/2026/").status_code == 404
        assert months(year) == [(2025, 1)]
    with time_machine.travel(GO_LIVE, tick=False):
        assert client.get("/").context["paginator"].count == 2
        assert client.get("/search/?q=zeppelins").context["paginator"].count == 1
        assert months(client.get("/2026/")) == [(2026, 6)]


def test_commenting_opens_at_the_posts_time(client, scheduled):
    with time_machine.travel(JUST_BEFORE, tick=False):
        assert not Post.objects.get(pk=scheduled.pk).discussion_is_open
    with time_machine.travel(GO_LIVE, tick=False):
        assert 'id="respond"' in client.get(scheduled.get_absolute_url()).content.decode()


# Time zones: editors type the site's local time, the database keeps UTC.


@pytest.fixture
def paris(settings):
    settings.TIME_ZONE = "Europe/Paris"


@pytest.fixture
def editor_client(client, staff):
    client.force_login(staff(EDITORS))
    return client


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2026-12-01 09:00", datetime.datetime(2026, 12, 1, 8, tzinfo=datetime.UTC)),  # winter: UTC+1
        ("2026-07-01 09:00", datetime.datetime(2026, 7, 1, 7, tzinfo=datetime.UTC)),  # summer: UTC+2
    ],
)
def test_an_editor_types_local_time_and_it_is_stored_in_utc(editor_client, paris, typed, stored):
    day, time = typed.split()
    data = post_form(Post(title="Paris morning", slug="paris-morning"), status=Post.Status.PUBLISHED)

    with time_machine.travel(datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC), tick=False):
        response = editor_client.post(
            reverse("admin:blog_post_add"), data | {"published_at_0": day, "published_at_1": time}
        )

    assert response.status_code == 302
    post = Post.objects.get(slug="paris-morning")
    assert post.published_at == stored


def test_the_admin_list_shows_the_scheduled_time_in_local_time(editor_client, paris):
    with time_machine.travel(datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC), tick=False):
        PostFactory(title="Paris morning", published_at=datetime.datetime(2026, 12, 1, 8, tzinfo=datetime.UTC))
        page = editor_client.get(reverse("admin:blog_post_changelist")).content.decode()

    assert "Scheduled for Dec. 1, 2026, 9 a.m." in page
    assert re.search(r'<td class="field-published_at[^"]*">Dec\. 1, 2026, 9 a\.m\.</td>', page)


def test_the_post_form_shows_local_time_and_names_the_time_zone(editor_client, paris):
    post = PostFactory(published_at=datetime.datetime(2026, 12, 1, 8, tzinfo=datetime.UTC))

    page = editor_client.get(reverse("admin:blog_post_change", args=[post.pk])).content.decode()

    assert 'name="published_at_0" value="2026-12-01"' in page
    assert 'name="published_at_1" value="09:00:00"' in page
    assert "Times are in Europe/Paris, the site" in page


def test_a_post_scheduled_just_after_local_midnight_belongs_to_the_local_month(client, paris):
    # 00:30 on 1 December in Paris is still 30 November in UTC.
    with time_machine.travel(datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC), tick=False):
        post = PostFactory(title=TITLE, published_at=datetime.datetime(2026, 11, 30, 23, 30, tzinfo=datetime.UTC))
    assert post.get_absolute_url() == f"/2026/12/{post.slug}/"

    with time_machine.travel(datetime.datetime(2026, 11, 30, 23, 30, tzinfo=datetime.UTC), tick=False):
        assert sees(client, "/2026/12/", TITLE)
        assert client.get("/2026/11/").status_code == 404
        assert client.get(post.get_absolute_url()).status_code == 200
