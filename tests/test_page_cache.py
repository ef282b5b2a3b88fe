"""The shared page cache (blog.page_cache) through the whole middleware stack, on the real database.

A page is "from the cache" when a request for it runs no query at all; it was rendered when
a request for it runs some.
"""

import datetime
import re
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib.sites.models import Site
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse
from pytest_django.asserts import assertContains, assertNotContains

from blog import page_cache
from blog.context_processors import layout
from blog.models import Post, SiteSettings
from blog.page_cache import shared_page
from comments.forms import COMMENTER_COOKIE, REMEMBERED_FLAG_COOKIE
from comments.models import Comment
from comments.services import comment_set_status
from comments.spam import form_token
from comments.viewers import EDITABLE_COOKIE, HELD_COOKIE
from tests.factories import (
    AuthorFactory,
    CategoryFactory,
    PageFactory,
    PostFactory,
    TagFactory,
    UserFactory,
    comment_node,
    make_comment,
    make_threads,
    verified_commenter,
)

pytestmark = pytest.mark.django_db

PUBLISHED = datetime.datetime(2024, 6, 15, 12, tzinfo=datetime.UTC)
HELD_NOTICE = "Your comment is awaiting moderation. Only you can see it."
CLOSED_NOTICE = "Comments are closed."
NOT_POSTED = "Your comment is not posted yet"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


def cookie_setting_page(request):
    """A page that says it may be shared, yet sets a cookie (as a CSRF token or a tracker would)."""
    cookie_setting_page.renders += 1
    response = HttpResponse("A page with a cookie.")
    response.set_cookie("visitor", "only-mine")
    return response


cookie_setting_page.renders = 0

# For test_a_response_that_sets_a_cookie_is_never_stored: the site's routes, plus that page.
urlpatterns = [
    path("cookie-page/", shared_page("site")(cookie_setting_page)),
    path("", include("config.urls")),
]


@pytest.fixture(autouse=True)
def warm_layout():
    """The site settings, menu and Site read once, as on a running site, so counts measure the page."""
    Site.objects.get_current()
    return layout()["site_settings"]


@pytest.fixture
def site():
    """Two posts by two authors, a draft, a standing page and an approved comment."""
    ursula = AuthorFactory(name="Ursula Writer", slug="ursula", bio="Ursula writes essays.")
    olga = AuthorFactory(name="Olga Other", slug="olga", bio="Olga writes elsewhere.")
    essays = CategoryFactory(name="Essays", slug="essays")
    slow = TagFactory(name="Slow", slug="slow")
    post = PostFactory(
        title="Cached story",
        slug="cached-story",
        published_at=PUBLISHED,
        authors=[ursula],
        categories=[essays],
        tags=[slow],
    )
    other = PostFactory(
        title="Other story",
        slug="other-story",
        published_at=PUBLISHED - datetime.timedelta(days=1),
        authors=[olga],
        categories=[essays],
        tags=[slow],
    )
    draft = PostFactory(
        title="Fresh news",
        slug="fresh-news",
        status=Post.Status.DRAFT,
        published_at=None,
        authors=[ursula],
        categories=[essays],
        tags=[slow],
    )
    page = PageFactory(title="About us", slug="about")
    comment = make_comment(post, name="Carla Commenter", body="A first, approved comment.")
    return SimpleNamespace(
        ursula=ursula,
        olga=olga,
        essays=essays,
        slow=slow,
        post=post,
        other=other,
        draft=draft,
        page=page,
        comment=comment,
    )


def shared_urls(site):
    """Every kind of page the cache shares, by name."""
    post_id = site.post.pk
    return {
        "home": "/",
        "post": site.post.get_absolute_url(),
        "category": site.essays.get_absolute_url(),
        "tag": site.slow.get_absolute_url(),
        "author": site.ursula.get_absolute_url(),
        "year archive": "/2024/",
        "month archive": "/2024/06/",
        "page": site.page.get_absolute_url(),
        "rss": reverse("blog:feed"),
        "atom": reverse("blog:feed_atom"),
        "category feed": reverse("blog:category_feed", args=[site.essays.slug]),
        "author feed": reverse("authors:author_feed", args=[site.ursula.slug]),
        "comment feed": reverse("comments:feed"),
        "comment atom": reverse("comments:feed_atom"),
        "post comment feed": reverse("comments:post_feed", args=[post_id]),
        "post comment atom": reverse("comments:post_feed_atom", args=[post_id]),
        "sitemap": reverse("sitemap"),
    }


PAGE_KINDS = [
    "home",
    "post",
    "category",
    "tag",
    "author",
    "year archive",
    "month archive",
    "page",
    "rss",
    "atom",
    "category feed",
    "author feed",
    "comment feed",
    "comment atom",
    "post comment feed",
    "post comment atom",
    "sitemap",
]
LISTS = ["home", "category", "tag", "author", "year archive", "month archive", "rss", "atom", "category feed"]


def get(client, url, **headers):
    """GET `url`; returns the response and how many queries it ran."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response, len(queries)


def rendered(client, url, **headers):
    """GET a page that must be rendered afresh (some queries), not served from the cache."""
    response, queries = get(client, url, **headers)
    assert queries > 0, f"{url} came from the shared cache"
    return response


def from_cache(client, url, **headers):
    """GET a page that must come from the shared cache: no query at all."""
    response, queries = get(client, url, **headers)
    assert queries == 0, f"{url} was rendered again ({queries} queries)"
    return response


def text(response):
    return response.content.decode()


@pytest.fixture
def staff_client():
    browser = Client()
    browser.force_login(UserFactory(is_staff=True))
    return browser


# Every shared page


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_the_second_anonymous_request_comes_from_the_cache(client, site, kind, django_assert_num_queries):
    url = shared_urls(site)[kind]
    first = rendered(client, url)
    assert first.status_code == 200

    with django_assert_num_queries(0):
        second = client.get(url)

    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_staff_neither_get_nor_fill_the_shared_copy(client, staff_client, site, kind):
    url = shared_urls(site)[kind]

    rendered(staff_client, url)
    rendered(client, url)  # the staff member's page was not kept
    from_cache(client, url)
    staff_page = rendered(staff_client, url)  # nor do they get the readers' copy

    assert staff_page.status_code == 200
    assert "private" in staff_page["Cache-Control"]


def test_search_is_not_cached(client, site):
    rendered(client, "/search/?q=story")
    response = rendered(client, "/search/?q=story")

    assertContains(response, "Cached story")
    assert "public" not in response.get("Cache-Control", "")


# Exact invalidation


def test_publishing_a_post_refreshes_the_lists_but_not_another_posts_page(client, site):
    urls = shared_urls(site)
    for kind in [*LISTS, "post"]:
        rendered(client, urls[kind])
    other_page = rendered(client, site.other.get_absolute_url())

    site.draft.status = Post.Status.PUBLISHED
    site.draft.published_at = PUBLISHED + datetime.timedelta(hours=1)
    site.draft.save()

    for kind in LISTS:
        assertContains(rendered(client, urls[kind]), "Fresh news")
    assert from_cache(client, site.other.get_absolute_url()).content == other_page.content
    from_cache(client, urls["post"])


def test_editing_a_post_refreshes_its_page_and_not_another(client, site):
    rendered(client, site.post.get_absolute_url())
    rendered(client, site.other.get_absolute_url())

    site.post.title = "Cached story, revised"
    site.post.save()

    assertContains(rendered(client, site.post.get_absolute_url()), "Cached story, revised")
    assertNotContains(from_cache(client, site.other.get_absolute_url()), "revised")


def test_approving_a_comment_refreshes_its_post_and_the_comment_feeds(client, site):
    held = make_comment(site.post, name="Hana Held", body="Waiting for a moderator.", status=Comment.Status.PENDING)
    urls = shared_urls(site)
    feeds = ["comment feed", "comment atom", "post comment feed", "post comment atom"]
    for kind in ["post", *feeds]:
        assertNotContains(rendered(client, urls[kind]), "Waiting for a moderator.")
    rendered(client, site.other.get_absolute_url())

    comment_set_status([held], Comment.Status.APPROVED)

    for kind in ["post", *feeds]:
        assertContains(rendered(client, urls[kind]), "Waiting for a moderator.")
    from_cache(client, site.other.get_absolute_url())


def test_posting_a_comment_refreshes_its_post_and_the_comment_feeds(client, site, send_comment):
    make_comment(site.other, name="Ada Reader", email="ada@example.com")
    verified_commenter("ada@example.com")  # a trusted commenter: approved at once
    urls = shared_urls(site)
    feeds = ["comment feed", "comment atom", "post comment feed", "post comment atom"]
    for kind in ["post", *feeds]:
        rendered(client, urls[kind])
    rendered(client, site.other.get_absolute_url())

    response = send_comment(site.post, body="Posted from the form.", browser=Client())

    assert response.status_code == 303
    for kind in ["post", *feeds]:
        assertContains(rendered(client, urls[kind]), "Posted from the form.")
    from_cache(client, site.other.get_absolute_url())


# The site-wide comment feeds name posts and show only published posts' comments: they follow "posts" too.


def test_unpublishing_a_post_takes_its_comments_out_of_the_site_comment_feeds(client, site):
    feeds = [reverse("comments:feed"), reverse("comments:feed_atom")]
    for url in feeds:
        assertContains(rendered(client, url), "A first, approved comment.")

    site.post.status = Post.Status.DRAFT
    site.post.save()

    for url in feeds:
        assertNotContains(client.get(url), "A first, approved comment.")


def test_retitling_a_post_refreshes_the_site_comment_feeds_that_name_it(client, site):
    feeds = [reverse("comments:feed"), reverse("comments:feed_atom")]
    for url in feeds:
        assertContains(rendered(client, url), "Carla Commenter on Cached story")

    site.post.title = "Retitled story"
    site.post.save()

    for url in feeds:
        assertContains(client.get(url), "Carla Commenter on Retitled story")


def test_an_authors_bio_refreshes_their_pages_only(client, site):
    urls = shared_urls(site)
    for kind in ["home", "post", "author"]:
        rendered(client, urls[kind])
    rendered(client, site.other.get_absolute_url())
    rendered(client, site.olga.get_absolute_url())

    site.ursula.bio = "Ursula now writes novels."
    site.ursula.save()

    assertContains(rendered(client, urls["post"]), "Ursula now writes novels.")
    assertContains(rendered(client, urls["author"]), "Ursula now writes novels.")
    from_cache(client, site.other.get_absolute_url())
    from_cache(client, site.olga.get_absolute_url())
    from_cache(client, urls["home"])


def test_an_authors_new_name_refreshes_the_lists(client, site):
    urls = shared_urls(site)
    for kind in ["home", "category", "tag", "rss", "post"]:
        rendered(client, urls[kind])

    site.ursula.name = "Ursula Renamed"
    site.ursula.save()

    for kind in ["home", "category", "tag", "rss", "post"]:
        assertContains(rendered(client, urls[kind]), "Ursula Renamed")


def test_a_site_settings_change_refreshes_every_page(client, site):
    urls = shared_urls(site)
    for url in urls.values():
        rendered(client, url)

    settings = SiteSettings.load()
    settings.name = "The Renamed Gazette"
    settings.save()
    layout()  # warm again, as the first reader after the change would

    for kind, url in urls.items():
        response = rendered(client, url)
        if kind not in ("sitemap", "post comment feed", "post comment atom"):  # these do not name the site
            assertContains(response, "The Renamed Gazette")


# Never shared


def test_a_readers_held_comment_is_theirs_alone_and_their_page_is_not_kept(client, site, send_comment):
    writer = Client()
    response = send_comment(site.post, body="Only I can see this yet.", browser=writer)
    assert response.status_code == 303
    assert HELD_COOKIE in writer.cookies
    url = site.post.get_absolute_url()

    own = rendered(writer, url)
    assertContains(own, "Only I can see this yet.")
    assertContains(own, HELD_NOTICE)
    assert "private" in own["Cache-Control"]

    others = rendered(client, url)  # the writer's page was not kept for anyone
    assertNotContains(others, "Only I can see this yet.")
    from_cache(client, url)
    assertContains(rendered(writer, url), "Only I can see this yet.")  # nor is the shared copy given to them


def test_a_form_error_page_is_not_cached(client, site, send_comment):
    url = site.post.get_absolute_url()

    refused = send_comment(site.post, body="")

    assert refused.status_code == 400
    assertContains(refused, NOT_POSTED, status_code=400)
    assert "public" not in refused.get("Cache-Control", "")
    first = rendered(client, url)
    assertNotContains(first, NOT_POSTED)


def test_the_tokenless_resend_page_is_not_cached(site):
    browser = Client(enforce_csrf_checks=True)
    url = site.post.get_absolute_url()
    data = {"name": "Ada", "email": "ada@example.com", "body": "Typed without a token.", "form_token": form_token()}

    resend = browser.post(reverse("comments:create", args=[site.post.pk]), data)

    assert resend.status_code == 403
    assertContains(resend, "Typed without a token.", status_code=403)
    assert CSRF_FIELD.search(text(resend)).group(1)  # a fresh token, for this browser only
    assert "public" not in resend.get("Cache-Control", "")
    reader = Client()
    page = rendered(reader, url)
    assertNotContains(page, "Typed without a token.")
    assertNotContains(page, NOT_POSTED)
    assert CSRF_FIELD.search(text(page)).group(1) == ""


@pytest.mark.urls(__name__)
def test_a_response_that_sets_a_cookie_is_never_stored(client, site):
    renders = cookie_setting_page.renders
    first = client.get("/cookie-page/")
    assert first.cookies["visitor"].value == "only-mine"

    second = Client().get("/cookie-page/")

    assert cookie_setting_page.renders == renders + 2  # rendered for each visitor, never kept
    assert second.cookies["visitor"].value == "only-mine"
    assert "public" not in second.get("Cache-Control", "")
    rendered(Client(), "/")  # not a broken cache: the site's own pages still are kept
    from_cache(Client(), "/")


def test_unknown_query_parameters_bypass_the_cache(client, site):
    url = site.post.get_absolute_url()
    rendered(client, url)

    rendered(client, f"{url}?preview=1")
    rendered(client, f"{url}?preview=1")
    rendered(client, f"{url}?utm_source=x&foo=bar")


def test_tracking_parameters_share_the_page(client, site):
    url = site.post.get_absolute_url()
    page = rendered(client, url)

    for query in ["utm_source=mastodon&utm_medium=social", "fbclid=IwAR0abc", "utm_campaign=launch&fbclid=x"]:
        assert from_cache(client, f"{url}?{query}").content == page.content


# The same HTML for everyone


def test_two_anonymous_visitors_post_from_the_same_cached_page(site):
    url = site.post.get_absolute_url()
    create = reverse("comments:create", args=[site.post.pk])
    alice, bob = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)

    alices_page = rendered(alice, url)
    bobs_page = from_cache(bob, url)
    assert bobs_page.content == alices_page.content
    alices = alice.get(reverse("comments:form_token")).json()
    bobs = bob.get(reverse("comments:form_token")).json()

    for browser, page, details, name in [(alice, alices_page, alices, "Alice"), (bob, bobs_page, bobs, "Bob")]:
        # As static/js/comments.js does: the page's own CSRF field unless empty, the fetched timestamp.
        data = {
            "name": name,
            "email": f"{name.lower()}@example.com",
            "body": f"{name}'s comment.",
            "csrfmiddlewaretoken": CSRF_FIELD.search(text(page)).group(1) or details["csrf"],
            "form_token": details["token"],
        }
        response = browser.post(create, data, headers={"user-agent": "TestBrowser/1.0"})
        assert response.status_code == 303, name

    assert set(Comment.objects.filter(post=site.post).values_list("body", flat=True)) >= {
        "Alice's comment.",
        "Bob's comment.",
    }
    html = text(bobs_page)
    assert CSRF_FIELD.findall(html) and set(CSRF_FIELD.findall(html)) == {""}
    form_token_field = re.search(r'<input[^>]*name="form_token"[^>]*>', html).group(0)
    assert 'value="' not in form_token_field.replace('value=""', "")  # nobody's signed timestamp
    for details in (alices, bobs):
        assert details["csrf"] not in html
        assert details["token"] not in html
    for browser in (alice, bob):
        assert browser.cookies["csrftoken"].value not in html


def test_remembered_details_reach_only_their_own_browser(client, site, send_comment):
    name, email = "Rosalind Remembered", "rosalind@private.example"
    rosalind = Client()
    posted = send_comment(
        site.post, body="Remember me, please.", name=name, email=email, remember="on", browser=rosalind
    )
    assert posted.status_code == 303
    assert COMMENTER_COOKIE in rosalind.cookies

    # Her own endpoint gives her details back; her page (she has a held comment) is hers alone.
    assert rosalind.get(reverse("comments:form_token")).json()["commenter"]["email"] == email
    assertContains(rendered(rosalind, site.other.get_absolute_url()), email)
    # Once her held comment is forgotten (and her edit window over), she reads the shared pages:
    # the details stay out of them.
    del rosalind.cookies[HELD_COOKIE]
    del rosalind.cookies[EDITABLE_COOKIE]
    assert REMEMBERED_FLAG_COOKIE in rosalind.cookies
    urls = [site.other.get_absolute_url(), "/", site.page.get_absolute_url()]
    for url in urls:
        page = rendered(rosalind, url)
        assert name not in text(page) and email not in text(page)
    assert rosalind.get(reverse("comments:form_token")).json()["commenter"]["name"] == name

    for url in [*urls, site.post.get_absolute_url(), reverse("comments:feed")]:
        page = client.get(url)
        assert name not in text(page) and email not in text(page), url
    other_reader = client.get(reverse("comments:form_token"))
    assert other_reader.json()["commenter"] is None
    assert name not in text(other_reader) and email not in text(other_reader)


# Conditional GET


def test_shared_pages_say_who_may_keep_them_and_revalidate(client, site):
    url = site.post.get_absolute_url()

    first = rendered(client, url)
    hit = from_cache(client, url)

    for response in (first, hit):
        assert response["ETag"] == first["ETag"]
        assert response["Last-Modified"] == first["Last-Modified"]
        directives = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"public", "max-age=0"} <= directives
        assert "Cookie" in response["Vary"]


def test_a_repeat_visit_costs_a_304_from_the_cache_and_after_a_render(client, site):
    url = site.post.get_absolute_url()
    etag = rendered(client, url)["ETag"]

    with CaptureQueriesContext(connection) as queries:
        not_modified = client.get(url, headers={"if-none-match": etag})
    assert (not_modified.status_code, len(queries), not_modified.content) == (304, 0, b"")

    # A worker whose cache has never seen the page renders it and still answers 304.
    cache.clear()
    layout()
    again = rendered(client, url, if_none_match=etag)
    assert again.status_code == 304


def test_the_etag_changes_with_the_page(client, site):
    url = site.post.get_absolute_url()
    before = rendered(client, url)["ETag"]

    site.post.title = "A new title"
    site.post.save()

    after = rendered(client, url, if_none_match=before)
    assert after.status_code == 200
    assert after["ETag"] != before
    assertContains(after, "A new title")


def test_staff_pages_are_private(staff_client, site):
    response = staff_client.get(site.post.get_absolute_url())

    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


# Time-driven changes


def test_a_cached_home_page_shows_a_scheduled_post_once_it_goes_live(client, site):
    now = PUBLISHED + datetime.timedelta(days=30)
    goes_live = now + datetime.timedelta(minutes=5)  # well within PAGE_CACHE_SECONDS
    with time_machine.travel(now, tick=False) as clock:
        PostFactory(title="Scheduled scoop", slug="scheduled-scoop", published_at=goes_live)
        before = rendered(client, "/")
        assertNotContains(before, "Scheduled scoop")
        clock.move_to(goes_live - datetime.timedelta(seconds=1))
        from_cache(client, "/")

        clock.move_to(goes_live + datetime.timedelta(seconds=1))

        after = rendered(client, "/")
        assertContains(after, "Scheduled scoop")
        assert after["ETag"] != before["ETag"]
        assert after["Last-Modified"] != before["Last-Modified"]
        from_cache(client, "/")


def test_a_cached_comment_feed_shows_comments_of_a_scheduled_post_once_it_goes_live(client, site):
    now = PUBLISHED + datetime.timedelta(days=30)
    goes_live = now + datetime.timedelta(minutes=5)  # well within PAGE_CACHE_SECONDS
    with time_machine.travel(now, tick=False) as clock:
        scheduled = PostFactory(title="Imported scoop", slug="imported-scoop", published_at=goes_live)
        # Imported with its discussion (comments.services.build_trees, as import_wxr writes them).
        make_threads(scheduled, comment_node("Ivan Imported"))
        assertNotContains(rendered(client, reverse("comments:feed")), "Ivan Imported")
        clock.move_to(goes_live - datetime.timedelta(seconds=1))
        from_cache(client, reverse("comments:feed"))

        clock.move_to(goes_live + datetime.timedelta(seconds=1))

        assertContains(client.get(reverse("comments:feed")), "Ivan Imported on Imported scoop")


def test_a_cached_post_page_closes_its_discussion_on_time(client, site):
    rules = SiteSettings.load()
    rules.comment_auto_close_days = 14
    rules.save()
    layout()
    closes = site.post.published_at + datetime.timedelta(days=14)
    url = site.post.get_absolute_url()

    with time_machine.travel(closes - datetime.timedelta(minutes=5), tick=False) as clock:
        before = rendered(client, url)
        assertContains(before, 'id="respond"')
        assertNotContains(before, CLOSED_NOTICE)
        clock.move_to(closes - datetime.timedelta(seconds=1))
        from_cache(client, url)

        clock.move_to(closes + datetime.timedelta(seconds=1))

        after = rendered(client, url)
        assertContains(after, CLOSED_NOTICE)
        assertNotContains(after, 'id="respond"')
        assert after["ETag"] != before["ETag"]


def test_another_worker_serves_the_page_from_the_shared_cache_and_checks_the_same_versions(client, site):
    url = site.post.get_absolute_url()
    rendered(client, url)
    page_cache._local_copies.clear()  # as in another worker process, which has no copy of its own
    assertContains(from_cache(client, url), site.post.title)

    # A change made anywhere (here straight in the shared cache) reaches every worker's copy.
    page_cache._bump([f"post:{site.post.pk}"])
    rendered(client, url)
