"""Per-post discussion settings: site default, open, closed, closed after N days, held for moderation."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from authors.roles import EDITORS, MODERATORS
from blog.models import Post, SiteSettings
from comments.models import Comment
from tests.admin_forms import post_form
from tests.factories import AuthorFactory, PostFactory, UserFactory, trusted_commenter

pytestmark = pytest.mark.django_db

Discussion = Post.Discussion
PUBLISHED = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)
CLOSED_NOTICE = "Comments are closed."
MODERATED_NOTICE = "Comments on this post are reviewed by a moderator before they appear."


def trusted_reader(email="ada@example.com"):
    """Make `email` a trusted commenter (verified, an approved comment elsewhere): no first-comment hold."""
    trusted_commenter(email)


def site_closes_after(days):
    rules = SiteSettings.load()
    rules.comment_auto_close_days = days
    rules.save()


def is_open_at(client, post, moment):
    """Whether the post page offers the comment form at `moment` (and the model agrees)."""
    with time_machine.travel(moment, tick=False):
        page = client.get(post.get_absolute_url())
        assert post.discussion_is_open == ('id="respond"' in page.content.decode())
        assert (CLOSED_NOTICE in page.content.decode()) != post.discussion_is_open
        return post.discussion_is_open


# Held for moderation


def test_a_readers_comment_on_a_moderated_post_is_held_with_its_reason(client, send_comment):
    post = PostFactory(discussion=Discussion.MODERATED)
    trusted_reader()

    response = send_comment(post, body="Held for the moderators.")

    comment = Comment.objects.get(body="Held for the moderators.")
    assert (comment.status, comment.hold_reasons) == (Comment.Status.PENDING, ["post_moderated"])
    assert comment.reason_labels == ["Every comment on this post is held"]
    assert response.status_code == 303
    post.refresh_from_db()
    assert post.comment_count == 0
    # The writer sees it waiting; other readers do not see it at all.
    assertContains(client.get(response["Location"]), "Your comment is awaiting moderation.")
    assertNotContains(Client().get(post.get_absolute_url()), "Held for the moderators.")


def test_moderators_see_why_the_comment_waits(client, staff, send_comment):
    post = PostFactory(discussion=Discussion.MODERATED)
    trusted_reader()
    send_comment(post, body="Waiting.", browser=Client())

    client.force_login(staff(MODERATORS))

    assertContains(client.get(post.get_absolute_url()), "Pending moderation: Every comment on this post is held")


def test_the_other_rules_still_apply_on_a_moderated_post(send_comment):
    post = PostFactory(discussion=Discussion.MODERATED)

    send_comment(post, body="A newcomer.", email="new@example.com")
    send_comment(post, body="A bot.", email="bot@example.com", homepage="http://spam.example")

    newcomer = Comment.objects.get(body="A newcomer.")
    assert newcomer.status == Comment.Status.PENDING
    assert sorted(newcomer.hold_reasons) == ["first_comment", "post_moderated"]
    assert Comment.objects.get(body="A bot.").status == Comment.Status.SPAM


@pytest.mark.parametrize("who", ["moderator", "author"])
def test_moderators_and_the_posts_author_are_not_held(client, staff, who):
    if who == "moderator":
        user = staff(MODERATORS)
        post = PostFactory(discussion=Discussion.MODERATED)
    else:
        user = UserFactory()
        post = PostFactory(discussion=Discussion.MODERATED, authors=[AuthorFactory(user=user)])
    client.force_login(user)

    response = client.post(reverse("comments:create", args=[post.pk]), {"body": "A reply from the desk."})

    assert response.status_code == 303
    comment = Comment.objects.get(body="A reply from the desk.")
    assert (comment.status, comment.hold_reasons) == (Comment.Status.APPROVED, [])


def test_other_posts_are_not_held(send_comment):
    trusted_reader()

    send_comment(PostFactory(discussion=Discussion.OPEN), body="Straight through.")

    assert Comment.objects.get(body="Straight through.").status == Comment.Status.APPROVED


def test_the_form_says_comments_on_a_moderated_post_are_reviewed(client):
    moderated = PostFactory(discussion=Discussion.MODERATED)
    ordinary = PostFactory()

    assertContains(client.get(moderated.get_absolute_url()), MODERATED_NOTICE)
    assertNotContains(client.get(ordinary.get_absolute_url()), MODERATED_NOTICE)


# Open, closed and closing by time


def test_closed_after_n_days_closes_at_exactly_that_moment(client, send_comment):
    post = PostFactory(published_at=PUBLISHED, discussion=Discussion.CLOSE_AFTER, discussion_close_after_days=3)
    closes = PUBLISHED + datetime.timedelta(days=3)
    trusted_reader()

    assert is_open_at(client, post, closes - datetime.timedelta(microseconds=1))
    assert not is_open_at(client, post, closes)
    with time_machine.travel(closes, tick=False):
        response = send_comment(post, body="One second too late.")
    assertContains(response, "comments on this post are closed", status_code=403)
    assert not post.comments.exists()


def test_closed_after_n_days_overrides_the_site_never_closing(client):
    site_closes_after(0)
    post = PostFactory(published_at=PUBLISHED, discussion=Discussion.CLOSE_AFTER, discussion_close_after_days=1)

    assert not is_open_at(client, post, PUBLISHED + datetime.timedelta(days=2))


def test_the_site_default_closes_at_the_sites_auto_close_days(client):
    site_closes_after(5)
    post = PostFactory(published_at=PUBLISHED)
    closes = PUBLISHED + datetime.timedelta(days=5)

    assert post.discussion == Discussion.DEFAULT
    assert is_open_at(client, post, closes - datetime.timedelta(microseconds=1))
    assert not is_open_at(client, post, closes)


def test_the_site_default_with_no_auto_close_stays_open(client):
    site_closes_after(0)
    post = PostFactory(published_at=PUBLISHED)

    assert is_open_at(client, post, PUBLISHED + datetime.timedelta(days=3650))


@pytest.mark.parametrize("discussion", [Discussion.OPEN, Discussion.MODERATED])
def test_open_and_moderated_override_the_sites_auto_close(client, discussion):
    site_closes_after(1)
    post = PostFactory(published_at=PUBLISHED, discussion=discussion)

    assert is_open_at(client, post, PUBLISHED + datetime.timedelta(days=400))


def test_closed_is_closed_from_the_start(client, send_comment):
    site_closes_after(0)
    post = PostFactory(published_at=PUBLISHED, discussion=Discussion.CLOSED)

    assert not is_open_at(client, post, PUBLISHED + datetime.timedelta(minutes=1))
    assert send_comment(post).status_code == 403


# The Discussion fieldset of the post form


@pytest.fixture
def editor_client(client, staff):
    client.force_login(staff(EDITORS))
    return client


def test_the_post_form_shows_the_discussion_choices_and_its_script(editor_client):
    post = PostFactory()

    page = editor_client.get(reverse("admin:blog_post_change", args=[post.pk]))

    assertContains(page, '<option value="close_after">Closed after N days</option>', html=True)
    assertContains(page, '<option value="moderated">Held for moderation (every comment waits)</option>', html=True)
    assertContains(page, 'id="id_discussion_close_after_days"')
    assertContains(page, 'src="/static/js/admin/discussion.js"')


def test_closed_after_without_days_is_a_form_error(editor_client):
    post = PostFactory()
    url = reverse("admin:blog_post_change", args=[post.pk])

    response = editor_client.post(url, post_form(post, discussion=Discussion.CLOSE_AFTER))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["discussion_close_after_days"] == [
        "Say after how many days the discussion closes."
    ]
    post.refresh_from_db()
    assert post.discussion == Discussion.DEFAULT


@pytest.mark.parametrize("days", ["0", "-2", "many"])
def test_closed_after_with_bad_days_is_a_form_error(editor_client, days):
    post = PostFactory()
    url = reverse("admin:blog_post_change", args=[post.pk])

    data = post_form(post, discussion=Discussion.CLOSE_AFTER, discussion_close_after_days=days)
    response = editor_client.post(url, data)

    assert response.status_code == 200
    assert "discussion_close_after_days" in response.context["adminform"].form.errors


def test_an_editor_sets_a_post_to_close_after_some_days(editor_client):
    post = PostFactory()
    url = reverse("admin:blog_post_change", args=[post.pk])

    data = post_form(post, discussion=Discussion.CLOSE_AFTER, discussion_close_after_days="14")
    response = editor_client.post(url, data)

    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.discussion, post.discussion_close_after_days) == (Discussion.CLOSE_AFTER, 14)


def test_an_editor_holds_every_comment_on_a_post(editor_client):
    post = PostFactory()
    url = reverse("admin:blog_post_change", args=[post.pk])

    assert editor_client.post(url, post_form(post, discussion=Discussion.MODERATED)).status_code == 302

    post.refresh_from_db()
    assert post.discussion_is_moderated and post.discussion_is_open
