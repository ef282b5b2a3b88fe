"""Links that never break: old addresses answer 301 to the new one, deleted ones 410 Gone."""

import datetime

import pytest
from django.conf import settings
from django.contrib.redirects.models import Redirect
from django.contrib.sites.models import Site
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from authors.roles import AUTHORS
from blog.models import Page, Post
from tests.admin_forms import act, page_form, post_form
from tests.factories import PageFactory, PostFactory


def edit(client, post, **fields):
    """Save the post's change form in the admin with `fields` changed."""
    response = client.post(reverse("admin:blog_post_change", args=[post.pk]), post_form(post, **fields))
    assert response.status_code == 302
    post.refresh_from_db()


def moves_to(client, path):
    response = client.get(path)
    assert response.status_code == 301, f"{path} answered {response.status_code}"
    return response["Location"]


# Moving a post


def test_a_published_posts_old_slug_moves_permanently_to_the_new_one(client, editor):
    post = PostFactory(slug="first-draft-of-a-title")
    old_url = post.get_absolute_url()
    client.force_login(editor)

    edit(client, post, slug="a-better-title")

    assert moves_to(client, old_url) == post.get_absolute_url()
    assert client.get(post.get_absolute_url()).status_code == 200


def test_a_new_date_moves_the_post_to_its_new_year_and_month(client, editor):
    post = PostFactory(published_at=timezone.now() - datetime.timedelta(days=400))
    old_url = post.get_absolute_url()
    client.force_login(editor)

    new_date = timezone.localtime(timezone.now() - datetime.timedelta(days=2))
    edit(client, post, published_at_0=new_date.strftime("%Y-%m-%d"), published_at_1=new_date.strftime("%H:%M:%S"))

    assert post.get_absolute_url() != old_url
    assert moves_to(client, old_url) == post.get_absolute_url()


def test_moving_twice_leaves_no_chain(client, editor):
    post = PostFactory(slug="one")
    first = post.get_absolute_url()
    client.force_login(editor)
    edit(client, post, slug="two")
    second = post.get_absolute_url()

    edit(client, post, slug="three")

    assert moves_to(client, first) == post.get_absolute_url()
    assert moves_to(client, second) == post.get_absolute_url()
    assert set(Redirect.objects.values_list("new_path", flat=True)) == {post.get_absolute_url()}


def test_moving_back_drops_the_row_for_the_address_that_is_live_again(client, editor):
    post = PostFactory(slug="original")
    original = post.get_absolute_url()
    client.force_login(editor)
    edit(client, post, slug="renamed")
    renamed = post.get_absolute_url()

    edit(client, post, slug="original")

    assert client.get(original).status_code == 200
    assert moves_to(client, renamed) == original
    assert list(Redirect.objects.values_list("old_path", "new_path")) == [(renamed, original)]


@pytest.mark.parametrize(
    "state",
    [
        {"status": Post.Status.DRAFT, "published_at": None},
        {"status": Post.Status.PENDING, "published_at": None},
        {"status": Post.Status.PUBLISHED, "published_at": timezone.now() + datetime.timedelta(days=3)},
    ],
    ids=["draft", "pending", "scheduled"],
)
def test_a_post_nobody_could_read_yet_moves_without_a_redirect(client, editor, state):
    post = PostFactory(slug="not-out-yet", **state)
    client.force_login(editor)

    edit(client, post, slug="still-not-out")

    assert not Redirect.objects.exists()


# Deleting a post


def test_a_deleted_post_answers_410_gone_with_the_sites_page(client, editor):
    post = PostFactory(title="Regretted")
    url = post.get_absolute_url()
    client.force_login(editor)

    response = client.post(reverse("admin:blog_post_delete", args=[post.pk]), {"post": "yes"})
    assert response.status_code == 302
    client.logout()

    response = client.get(url)
    assert response.status_code == 410
    assert "410.html" in [template.name for template in response.templates]
    html = response.content.decode()
    assert "has been removed" in html
    assert 'role="search"' in html and reverse("blog:post_list") in html  # the site's own layout
    assert "Content-Security-Policy" in response.headers


def test_bulk_delete_leaves_410_at_live_addresses_only(client, editor):
    live = PostFactory.create_batch(2)
    draft = PostFactory(status=Post.Status.DRAFT, published_at=timezone.now() - datetime.timedelta(days=3))
    urls = [post.get_absolute_url() for post in [*live, draft]]
    client.force_login(editor)

    assert act(client, "delete_selected", *live, draft).status_code == 200  # the confirmation page
    response = client.post(
        reverse("admin:blog_post_changelist"),
        {"action": "delete_selected", "_selected_action": [p.pk for p in [*live, draft]], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Post.objects.exists()

    assert [client.get(url).status_code for url in urls] == [410, 410, 404]


def test_an_older_address_of_a_deleted_post_is_gone_too(client, editor):
    post = PostFactory(slug="before")
    before = post.get_absolute_url()
    client.force_login(editor)
    edit(client, post, slug="after")

    client.post(reverse("admin:blog_post_delete", args=[post.pk]), {"post": "yes"})

    assert client.get(before).status_code == 410
    assert client.get(post.get_absolute_url()).status_code == 410


def test_a_new_post_published_at_a_gone_address_is_served(client, editor):
    old = PostFactory(slug="second-chance")
    url = old.get_absolute_url()
    published_at = old.published_at
    client.force_login(editor)
    client.post(reverse("admin:blog_post_delete", args=[old.pk]), {"post": "yes"})
    assert client.get(url).status_code == 410

    new = PostFactory(slug="second-chance", status=Post.Status.DRAFT, published_at=published_at)
    assert act(client, "publish_now", new).status_code == 302

    assert client.get(url).status_code == 200
    assert not Redirect.objects.filter(old_path=url).exists()  # unpublished again, it would be a 404, not a 410


def test_unpublishing_is_not_deleting(client, editor):
    post = PostFactory()
    client.force_login(editor)

    act(client, "unpublish", post)

    assert client.get(post.get_absolute_url()).status_code == 404
    assert not Redirect.objects.exists()


# Pages


def test_a_pages_old_slug_moves_and_a_deleted_page_is_gone(client, editor):
    page = PageFactory(title="About", slug="about-us", body="Us.")
    client.force_login(editor)

    response = client.post(reverse("admin:blog_page_change", args=[page.pk]), page_form(page, slug="about"))
    assert response.status_code == 302
    assert moves_to(client, "/about-us/") == "/about/"

    client.post(reverse("admin:blog_page_delete", args=[page.pk]), {"post": "yes"})
    assert client.get("/about/").status_code == 410
    assert client.get("/about-us/").status_code == 410


def test_a_draft_pages_slug_change_leaves_no_redirect(client, editor):
    page = PageFactory(title="Soon", slug="soon", status=Page.Status.DRAFT)
    client.force_login(editor)

    client.post(reverse("admin:blog_page_change", args=[page.pk]), page_form(page, slug="later"))

    assert Page.objects.get().slug == "later"
    assert not Redirect.objects.exists()


# The redirect table in the admin


def test_editors_manage_redirects_in_the_admin(client, editor):
    client.force_login(editor)
    site = Site.objects.get_current()
    assert site.pk == settings.SITE_ID

    response = client.post(
        reverse("admin:redirects_redirect_add"), {"site": site.pk, "old_path": "/old-feed/", "new_path": "/feed/"}
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:redirects_redirect_changelist")).status_code == 200
    client.logout()

    assert moves_to(client, "/old-feed/") == "/feed/"


def test_authors_cannot_see_the_redirects(client, staff):
    client.force_login(staff(AUTHORS))

    assert client.get(reverse("admin:redirects_redirect_changelist")).status_code == 403
    apps = [app["app_label"] for app in client.get(reverse("admin:index")).context["app_list"]]
    assert "redirects" not in apps


# Costs and the sites framework


def test_the_redirect_table_costs_a_normal_page_nothing(client, settings, db):
    post = PostFactory()
    url = post.get_absolute_url()
    client.get(url)  # caches filled

    with CaptureQueriesContext(connection) as with_fallback:
        assert client.get(url).status_code == 200
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != "blog.redirects.GoneFallbackMiddleware"]
    plain = Client()  # a client loads the middleware once
    plain.get(url)
    with CaptureQueriesContext(connection) as without:
        assert plain.get(url).status_code == 200

    assert len(with_fallback) == len(without)


def test_feeds_and_sitemap_use_site_url_not_the_sites_framework(client, db):
    assert Site.objects.get_current().domain == "example.com"  # nothing should depend on it
    post = PostFactory()

    for name in ("sitemap", "blog:feed", "blog:feed_atom"):
        body = client.get(reverse(name)).content.decode()
        assert f"{settings.SITE_URL}{post.get_absolute_url()}" in body
        assert "example.com" not in body
