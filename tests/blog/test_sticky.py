"""Sticky posts: pinned to the top of the home page, as WordPress shows them."""

import datetime

import pytest
from django.utils import timezone

from blog.models import Post
from tests.admin_forms import change_url, post_form
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def home_titles(client, page=1):
    return [post.title for post in client.get("/", {"page": page}).context["post_list"]]


def test_a_sticky_post_leads_the_home_page_however_old(client):
    now = timezone.now()
    PostFactory(title="Newest", published_at=now - datetime.timedelta(days=1))
    PostFactory(title="Old but pinned", published_at=now - datetime.timedelta(days=400), sticky=True)
    PostFactory(title="Middle", published_at=now - datetime.timedelta(days=10))

    assert home_titles(client) == ["Old but pinned", "Newest", "Middle"]


def test_a_sticky_draft_stays_hidden(client):
    PostFactory(title="Live")
    PostFactory(title="Pinned draft", sticky=True, status=Post.Status.DRAFT, published_at=None)

    assert home_titles(client) == ["Live"]


def test_sticky_posts_keep_their_date_order_in_archives(client):
    PostFactory(title="Newer", published_at=datetime.datetime(2024, 5, 2, 12, tzinfo=datetime.UTC))
    PostFactory(title="Pinned", published_at=datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.UTC), sticky=True)

    response = client.get("/2024/05/")

    assert [post.title for post in response.context["post_list"]] == ["Newer", "Pinned"]


def test_an_editor_pins_a_post_in_the_admin(client, editor):
    post = PostFactory(title="To pin")
    client.force_login(editor)

    response = client.post(change_url(post), post_form(post, sticky="on"))

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.sticky
