"""The roles, proven through the post admin's own views.

An Author writes, edits, publishes and deletes only their own posts and never sees anyone
else's; an Editor does everything; a Moderator has no post admin. test_admin.py has the
first rules (list, change, add, byline, publish); test_revisions.py the history pages;
test_dashboard.py the admin index; these are the rest.
"""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from authors.roles import MODERATORS
from blog.models import Post
from tests.admin_forms import act, change_url, post_form
from tests.factories import AuthorFactory, PostFactory

CHANGELIST = reverse("admin:blog_post_changelist")
AUTOCOMPLETE = reverse("admin:autocomplete")


@pytest.fixture
def others():
    """Someone else's posts, one in each state."""
    later = timezone.now() + datetime.timedelta(days=2)
    return [
        PostFactory(title="Their draft", status=Post.Status.DRAFT, published_at=None),
        PostFactory(title="Their returned draft", status=Post.Status.DRAFT, published_at=None, review_note="Note"),
        PostFactory(title="Their pending post", status=Post.Status.PENDING, published_at=None),
        PostFactory(title="Their scheduled post", published_at=later),
        PostFactory(title="Their live post"),
    ]


def listed(response):
    return {post.title for post in response.context["cl"].result_list}


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def find_posts(client, term=""):
    """What the admin's autocomplete offers when a form picks a post."""
    params = {"app_label": "blog", "model_name": "postauthor", "field_name": "post", "term": term}
    return client.get(AUTOCOMPLETE, params)


# Authors: nobody else's posts, anywhere


@pytest.mark.parametrize("state", ["", "draft", "returned", "pending", "scheduled", "published"])
def test_an_author_finds_no_one_elses_posts_in_the_list(client, writer, others, state):
    PostFactory(title="My post", authors=[writer.author])
    client.force_login(writer)

    response = client.get(CHANGELIST, {"state": state} if state else {})

    assert listed(response) <= {"My post"}
    assert "Their " not in response.content.decode()


def test_an_author_finds_no_one_elses_posts_by_searching(client, writer, others):
    PostFactory(title="Their other draft, mine too", authors=[writer.author], status=Post.Status.DRAFT)
    client.force_login(writer)

    response = client.get(CHANGELIST, {"q": "Their"})

    assert listed(response) == {"Their other draft, mine too"}


def test_someone_elses_post_does_not_exist_for_an_author(client, writer, others):
    client.force_login(writer)

    for post in others:
        for url in (change_url(post), reverse("admin:blog_post_delete", args=[post.pk])):
            response = client.get(url, follow=True)
            assert response.redirect_chain == [(reverse("admin:index"), 302)]
            assert messages_of(response) == [f"post with ID “{post.pk}” doesn’t exist. Perhaps it was deleted?"]
            assert post.title not in response.content.decode()


def test_an_authors_actions_reach_only_their_own_posts(client, writer, others):
    mine = PostFactory(title="Mine", authors=[writer.author])
    live = others[-1]
    client.force_login(writer)

    act(client, "unpublish", mine, live)

    mine.refresh_from_db()
    live.refresh_from_db()
    assert (mine.status, live.status) == (Post.Status.DRAFT, Post.Status.PUBLISHED)


def test_an_author_cannot_delete_someone_elses_post_from_the_list(client, writer, others):
    mine = PostFactory(title="Mine to delete", authors=[writer.author])
    client.force_login(writer)
    selection = {"action": "delete_selected", "_selected_action": [mine.pk] + [post.pk for post in others]}

    confirmation = client.post(CHANGELIST, selection)
    assert confirmation.status_code == 200
    assert "Mine to delete" in confirmation.content.decode()
    assert "Their " not in confirmation.content.decode()

    assert client.post(CHANGELIST, selection | {"post": "yes"}).status_code == 302
    assert not Post.objects.filter(pk=mine.pk).exists()
    assert Post.objects.filter(pk__in=[post.pk for post in others]).count() == len(others)


def test_an_author_deletes_their_own_post(client, writer):
    post = PostFactory(title="Second thoughts", authors=[writer.author])
    client.force_login(writer)
    delete_url = reverse("admin:blog_post_delete", args=[post.pk])

    assert client.get(delete_url).status_code == 200
    assert client.post(delete_url, {"post": "yes"}).status_code == 302

    assert not Post.objects.filter(pk=post.pk).exists()


def test_an_author_cannot_change_someone_elses_post_even_as_its_co_author_to_be(client, writer, others):
    # Saving someone else's post with themselves added to its byline: the post is not there to save.
    post = others[0]
    data = post_form(post, title="Taken over") | {
        "postauthor_set-TOTAL_FORMS": 2,
        "postauthor_set-1-author": writer.author.pk,
        "postauthor_set-1-order": 1,
    }
    client.force_login(writer)

    assert client.post(change_url(post), data).status_code == 302

    post.refresh_from_db()
    assert post.title == "Their draft"
    assert writer.author not in post.byline


def test_the_autocomplete_offers_an_author_only_their_own_posts(client, writer, others):
    PostFactory(title="Their post and mine", authors=[writer.author, AuthorFactory()], status=Post.Status.DRAFT)
    client.force_login(writer)

    response = find_posts(client, "Their")

    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["Their post and mine"]


# Editors: everything


def test_the_autocomplete_offers_an_editor_every_post(client, editor, others):
    client.force_login(editor)

    response = find_posts(client, "Their")

    assert {result["text"] for result in response.json()["results"]} == {post.title for post in others}


def test_an_editor_sees_every_post_in_every_state(client, editor, others):
    client.force_login(editor)

    assert listed(client.get(CHANGELIST)) == {post.title for post in others}


def test_an_editor_opens_and_deletes_anyones_post(client, editor, others):
    post = others[0]
    client.force_login(editor)
    delete_url = reverse("admin:blog_post_delete", args=[post.pk])

    assert client.get(change_url(post)).status_code == 200
    assert client.get(reverse("admin:blog_post_history", args=[post.pk])).status_code == 200
    assert client.get(delete_url).status_code == 200
    assert client.post(delete_url, {"post": "yes"}).status_code == 302

    assert not Post.objects.filter(pk=post.pk).exists()


def test_an_editor_publishes_someone_elses_pending_post_from_the_form(client, editor, others):
    post = others[2]
    client.force_login(editor)

    response = client.post(change_url(post), post_form(post, status=Post.Status.PUBLISHED))

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.is_public


def test_an_editor_adds_a_post_for_another_author(client, editor):
    guest = AuthorFactory(name="Guest")
    client.force_login(editor)
    data = post_form(Post(title="A guest post", slug="a-guest-post")) | {
        "postauthor_set-TOTAL_FORMS": 1,
        "postauthor_set-0-author": guest.pk,
        "postauthor_set-0-order": 0,
    }

    assert client.post(reverse("admin:blog_post_add"), data).status_code == 302

    assert Post.objects.get(slug="a-guest-post").byline == [guest]


# Moderators: no post admin at all


def moderator_urls(post):
    return [
        reverse("admin:blog_post_add"),
        change_url(post),
        reverse("admin:blog_post_delete", args=[post.pk]),
        reverse("admin:blog_post_history", args=[post.pk]),
        reverse("admin:blog_post_return", args=[post.pk]),
    ]


def test_a_moderator_opens_no_post_page(client, staff, others):
    client.force_login(staff(MODERATORS))

    for post in others:
        for url in moderator_urls(post):
            response = client.get(url)
            assert response.status_code in (403, 404), url  # refused, or not there: never shown
            assert post.title not in response.content.decode()


def test_a_moderator_changes_no_post(client, staff, others):
    post = others[2]
    client.force_login(staff(MODERATORS))

    assert client.post(change_url(post), post_form(post, status=Post.Status.PUBLISHED)).status_code == 403
    assert client.post(reverse("admin:blog_post_add"), post_form(Post(title="X", slug="x"))).status_code == 403
    assert act(client, "publish_now", post).status_code == 403
    assert client.post(reverse("admin:blog_post_delete", args=[post.pk]), {"post": "yes"}).status_code == 403
    assert find_posts(client).status_code == 403

    post.refresh_from_db()
    assert post.status == Post.Status.PENDING
    assert Post.objects.count() == len(others)
