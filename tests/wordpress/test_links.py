"""Old WordPress addresses keep working: record_links writes the 301s, the middleware answers them."""

import datetime

import pytest
from django.contrib.redirects.models import Redirect
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from blog.models import Post
from blog.wordpress.links import Moved, record_links
from blog.wordpress.wxr import WxrSite
from comments.models import Comment
from tests.factories import AuthorFactory, CategoryFactory, PageFactory, PostFactory, TagFactory, make_comment

# wptest.io's own shape: the blog lived under a base path, which the new site drops.
SITE = WxrSite(wxr_version="1.2", base_site_url="http://wptest.io/demo", base_blog_url="http://wptest.io/demo")
OLD = "http://wptest.io/demo"
SEPT_2008 = datetime.datetime(2008, 9, 2, 12, tzinfo=datetime.UTC)

pytestmark = pytest.mark.django_db


def moves_to(client, path):
    response = client.get(path)
    assert response.status_code == 301, f"{path} answered {response.status_code}"
    return response["Location"]


@pytest.fixture
def layout_test():
    """A WordPress post (ID 123) that had to take another slug here, with an approved and a held comment."""
    post = PostFactory(slug="layout-test-2", published_at=SEPT_2008)
    approved = make_comment(post, body="Approved.")
    held = make_comment(post, body="Held.", status=Comment.Status.PENDING)
    moved = [
        Moved("post", "123", f"{OLD}/2008/09/02/layout-test/", post.get_absolute_url()),
        Moved("comment", "456", "", approved.get_absolute_url(), post_source_id="123"),
        Moved("comment", "457", "", held.get_absolute_url(), post_source_id="123"),
    ]
    return post, approved, moved


def test_a_posts_old_permalink_its_date_forms_and_its_id_move_to_the_post(client, layout_test):
    post, _approved, moved = layout_test

    counts = record_links(SITE, moved)

    url = post.get_absolute_url()
    assert url == "/2008/09/layout-test-2/"
    assert moves_to(client, "/2008/09/02/layout-test/") == url  # the base path /demo/ is dropped
    assert moves_to(client, "/2008/09/layout-test/") == url
    assert moves_to(client, "/?p=123") == url
    assert moves_to(client, "/index.php?p=123") == url
    assert client.get(url).status_code == 200
    assert counts["recorded"] == Redirect.objects.count()
    assert counts["private"] == 1  # the held comment


def test_query_addresses_ignore_other_keys_and_their_order(client, layout_test):
    post, approved, moved = layout_test
    record_links(SITE, moved)

    assert moves_to(client, "/?utm_source=feed&p=123") == post.get_absolute_url()
    assert moves_to(client, "/?replytocom=456&p=123&utm_medium=x") == approved.get_absolute_url()
    assert client.get("/?p=999").status_code == 200  # unknown ID: the home page, as before
    assert client.post("/?p=123").status_code != 301  # only reads are redirected


def test_comment_links_move_to_the_comments_permalink_here(client, layout_test):
    post, approved, moved = layout_test
    record_links(SITE, moved)

    permalink = approved.get_absolute_url()
    assert permalink == f"/comments/{approved.pk}/"
    assert moves_to(client, "/?p=123&replytocom=456") == permalink
    assert moves_to(client, "/2008/09/02/layout-test/?replytocom=456") == permalink
    # Our own post address is live, and still the reply link finds the comment.
    assert moves_to(client, f"{post.get_absolute_url()}?replytocom=456") == permalink
    assert client.get(permalink).status_code == 302  # on to the post, at the comment
    assert moves_to(client, "/2008/09/02/layout-test/comment-page-2/") == post.get_absolute_url()
    assert moves_to(client, f"{post.get_absolute_url()}comment-page-3/") == post.get_absolute_url()


def test_a_held_comment_and_a_draft_get_no_redirect(client, layout_test):
    _post, _approved, moved = layout_test
    draft = PostFactory(slug="secret-plans", status=Post.Status.DRAFT, published_at=None)
    moved.append(Moved("post", "124", f"{OLD}/?p=124", draft.get_absolute_url()))

    counts = record_links(SITE, moved)

    held = Comment.objects.get(body="Held.")
    assert moves_to(client, "/?p=123&replytocom=457") == layout_test[0].get_absolute_url()  # to the post, no more
    assert client.get("/?p=124").status_code == 200  # the home page: nothing about the draft
    assert not Redirect.objects.filter(new_path__contains="preview").exists()
    assert not Redirect.objects.filter(new_path=held.get_absolute_url()).exists()
    assert counts["private"] == 2


def test_a_posts_old_feeds_move_to_its_comment_feed(client, layout_test):
    post, _approved, moved = layout_test
    record_links(SITE, moved)

    feed = reverse("comments:post_feed", args=[post.pk])
    assert moves_to(client, "/2008/09/02/layout-test/feed/") == feed
    assert moves_to(client, "/2008/09/02/layout-test/feed/rss2/") == feed
    assert moves_to(client, "/2008/09/02/layout-test/feed/atom/") == reverse("comments:post_feed_atom", args=[post.pk])
    assert moves_to(client, "/?p=123&feed=rss2") == feed
    assert client.get(feed).status_code == 200


def test_the_sites_old_feeds_and_archives_move_to_ours(client, layout_test):
    record_links(SITE, layout_test[2])

    assert moves_to(client, "/?feed=rss2") == "/feed/"
    assert moves_to(client, "/feed/rss2/") == "/feed/"
    assert moves_to(client, "/wp-rss2.php") == "/feed/"
    assert moves_to(client, "/?feed=atom") == "/feed/atom/"
    assert moves_to(client, "/?feed=comments-rss2") == "/comments/feed/"
    assert moves_to(client, "/?m=200809") == "/2008/09/"
    assert moves_to(client, "/?m=2008") == "/2008/"
    for ours in ("/feed/", "/feed/atom/", "/comments/feed/"):  # WordPress's addresses that are ours already
        assert client.get(ours).status_code == 200
        assert not Redirect.objects.filter(old_path=ours).exists()


def test_an_unchanged_address_gets_no_row(client):
    post = PostFactory(slug="same-everywhere", published_at=SEPT_2008)
    url = post.get_absolute_url()

    counts = record_links(SITE, [Moved("post", "7", f"{OLD}{url}", url)])

    assert not Redirect.objects.filter(old_path=url).exists()
    assert client.get(url).status_code == 200
    assert moves_to(client, "/?p=7") == url
    assert counts["same"] >= 1


def test_no_redirect_shadows_our_routes_or_a_published_page(client):
    about = PageFactory(slug="about", title="About us")
    post = PostFactory(slug="about-the-move")
    tag = TagFactory(slug="news")
    moved = [
        # WordPress had a post at /about/ and one at /search/; here those are a page and a route.
        Moved("post", "1", f"{OLD}/about/", post.get_absolute_url()),
        Moved("post", "2", f"{OLD}/search/", post.get_absolute_url()),
        Moved("tag", "news", "", tag.get_absolute_url()),
    ]

    counts = record_links(SITE, moved)

    assert client.get("/about/").status_code == 200
    assert client.get("/about/").context["page"] == about
    assert client.get("/search/").status_code == 200
    assert not Redirect.objects.filter(old_path__in=["/about/", "/search/", "/tag/news/"]).exists()
    assert counts["served"] == 2
    assert moves_to(client, "/?p=1") == post.get_absolute_url()


def test_pages_move_by_id_by_permalink_and_by_slug(client):
    parent = PageFactory(slug="parent-page")
    child = PageFactory(slug="child-page-01-2")
    moved = [
        Moved("page", "45", f"{OLD}/parent-page/", parent.get_absolute_url()),
        Moved("page", "46", f"{OLD}/parent-page/child-page-01/", child.get_absolute_url()),
    ]

    record_links(SITE, moved)

    assert moves_to(client, "/?page_id=46") == "/child-page-01-2/"
    assert moves_to(client, "/?p=46") == "/child-page-01-2/"
    assert moves_to(client, "/parent-page/child-page-01/") == "/child-page-01-2/"
    assert moves_to(client, "/child-page-01/") == "/child-page-01-2/"
    assert moves_to(client, "/?page_id=45") == "/parent-page/"
    assert client.get("/parent-page/").status_code == 200  # same address: no row
    assert not Redirect.objects.filter(old_path="/parent-page/").exists()


def test_terms_and_authors_move_when_their_address_changed(client):
    parent = CategoryFactory(slug="parent-category")
    child = CategoryFactory(slug="child-2", parent=parent)
    tag = TagFactory(slug="old-tag-2")
    author = AuthorFactory(slug="ada-lovelace")
    PostFactory(categories=[child], tags=[tag], authors=[author])
    moved = [
        Moved("category", "parent-category", "", parent.get_absolute_url()),
        Moved("category", "child", "", child.get_absolute_url()),
        Moved("tag", "old-tag", "", tag.get_absolute_url()),
        Moved("author", "admin", "", author.get_absolute_url()),
    ]

    record_links(SITE, moved)

    assert moves_to(client, "/category/parent-category/child/") == "/category/child-2/"
    assert moves_to(client, "/category/child/") == "/category/child-2/"
    assert moves_to(client, "/category/child/feed/") == "/category/child-2/feed/"
    assert moves_to(client, "/category/parent-category/child/feed/") == "/category/child-2/feed/"
    assert not Redirect.objects.filter(old_path="/category/parent-category/").exists()  # unchanged
    assert moves_to(client, "/tag/old-tag/") == "/tag/old-tag-2/"
    assert moves_to(client, "/?tag=old-tag") == "/tag/old-tag-2/"
    assert moves_to(client, "/author/admin/") == "/authors/ada-lovelace/"
    assert moves_to(client, "/author/admin/feed/") == "/authors/ada-lovelace/feed/"
    for target in ("/category/child-2/feed/", "/authors/ada-lovelace/feed/", "/tag/old-tag-2/"):
        assert client.get(target).status_code == 200


def test_a_second_run_changes_nothing_and_no_row_chains(client, layout_test):
    post, _approved, moved = layout_test
    # An editor's redirect to the old address: it must lead straight to the post now.
    Redirect.objects.create(site_id=1, old_path="/older-name/", new_path="/2008/09/02/layout-test/")
    # And a stale row at the address now live.
    Redirect.objects.create(site_id=1, old_path=post.get_absolute_url(), new_path="/elsewhere/")

    first = record_links(SITE, moved)
    rows = set(Redirect.objects.values_list("old_path", "new_path"))
    second = record_links(SITE, moved)

    assert set(Redirect.objects.values_list("old_path", "new_path")) == rows
    assert Redirect.objects.count() == len(rows)
    assert first == second
    assert moves_to(client, "/older-name/") == post.get_absolute_url()
    assert client.get(post.get_absolute_url()).status_code == 200
    old_paths = {old for old, _new in rows}
    assert not [new for _old, new in rows if new in old_paths], "a row leads to another row"


def test_a_deleted_post_is_gone_at_its_old_wordpress_addresses_too(client, layout_test):
    post, _approved, moved = layout_test
    record_links(SITE, moved)

    post.delete()

    assert client.get("/?p=123").status_code == 410
    assert "has been removed" in client.get("/2008/09/02/layout-test/").content.decode()


@pytest.mark.usefixtures("no_page_cache")
def test_ordinary_requests_cost_no_extra_query(client, django_assert_num_queries, layout_test):
    record_links(SITE, layout_test[2])
    client.get("/")  # caches filled
    with CaptureQueriesContext(connection) as plain:
        assert client.get("/").status_code == 200

    with django_assert_num_queries(len(plain)):
        assert client.get("/?utm_source=newsletter&q=1").status_code == 200
    with django_assert_num_queries(len(plain)):
        assert client.get("/?ref=home&fbclid=abc").status_code == 200
    with django_assert_num_queries(1):  # the lookup alone: the home page never runs
        assert client.get("/?p=123").status_code == 301
