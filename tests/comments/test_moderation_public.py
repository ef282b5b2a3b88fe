"""Moderating from the post page: the buttons under each comment, approve and reply, pins."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from authors.roles import AUTHORS, MODERATORS
from blog.context_processors import layout
from comments.models import Comment
from tests.factories import PostFactory, UserFactory, make_comment

Status = Comment.Status


@pytest.fixture
def moderator(staff):
    return staff(MODERATORS)


@pytest.fixture
def post(db):
    return PostFactory(title="Love Letters")


def moderate(client, comment, action, **data):
    return client.post(reverse("comments:moderate", args=[comment.pk]), {"action": action, **data})


def moderation_forms(response):
    return re.findall(r'action="/comments/\d+/moderate/"', response.content.decode())


def refreshed(*objects):
    for obj in objects:
        obj.refresh_from_db()
    return objects[0] if len(objects) == 1 else objects


def test_a_moderator_sees_buttons_on_every_comment_including_held_ones(client, moderator, post):
    approved = make_comment(post, name="Karl")
    held = make_comment(post, name="Abdul", status=Status.PENDING)
    client.force_login(moderator)

    response = client.get(post.get_absolute_url())

    html = response.content.decode()
    assert len(moderation_forms(response)) == 3  # two button rows and one "Approve and reply"
    held_card = html[html.index(f'id="comment-{held.pk}"') :]
    assert "Pending moderation" in held_card
    assert 'value="approve"' in held_card and 'value="approve_reply"' in held_card
    approved_card = html[html.index(f'id="comment-{approved.pk}"') : html.index(f'id="comment-{held.pk}"')]
    assert 'value="approve"' not in approved_card
    assert all(f'value="{action}"' in approved_card for action in ("pin", "spam", "remove"))
    assertNotContains(response, 'id="report-dialog"')  # moderators decide; they have nothing to report


def test_readers_get_no_moderation_controls(client, post):
    make_comment(post)

    response = client.get(post.get_absolute_url())

    assert moderation_forms(response) == []
    assertNotContains(response, 'name="action"')
    assertNotContains(response, "Approve")


@pytest.mark.parametrize(
    ("before", "action", "after", "count"),
    [
        (Status.PENDING, "approve", Status.APPROVED, 2),
        (Status.APPROVED, "spam", Status.SPAM, 1),
        (Status.APPROVED, "remove", Status.REMOVED, 1),
        (Status.PENDING, "remove", Status.REMOVED, 1),
        (Status.REMOVED, "restore", Status.APPROVED, 2),
        (Status.SPAM, "restore", Status.APPROVED, 2),
    ],
)
def test_buttons_moderate_the_comment_and_recount_the_post(client, moderator, post, before, action, after, count):
    make_comment(post, name="Bystander")
    comment = make_comment(post, name="Karl", status=before)
    client.force_login(moderator)

    response = moderate(client, comment, action)

    assertRedirects(response, f"{post.get_absolute_url()}#comment-{comment.pk}", fetch_redirect_response=False)
    comment, post = refreshed(comment, post)
    assert comment.status == after
    assert comment.moderated_by == moderator
    assert post.comment_count == count
    assertContains(client.get(response.url), "The comment by Karl is")  # the message, on the post page


@pytest.mark.parametrize("who", ["anonymous", "reader", "author"])
def test_only_moderators_may_moderate(client, staff, post, who):
    comment = make_comment(post, status=Status.PENDING)
    if who == "reader":
        client.force_login(UserFactory())
    elif who == "author":
        client.force_login(staff(AUTHORS))

    response = moderate(client, comment, "approve")

    assert response.status_code == 403
    assert refreshed(comment).status == Status.PENDING
    assert refreshed(post).comment_count == 0


def test_moderating_needs_a_post_request(client, moderator, post):
    comment = make_comment(post, status=Status.PENDING)
    client.force_login(moderator)

    assert client.get(reverse("comments:moderate", args=[comment.pk]), {"action": "approve"}).status_code == 405
    assert refreshed(comment).status == Status.PENDING


def test_an_unknown_action_or_comment_changes_nothing(client, moderator, post):
    comment = make_comment(post, status=Status.PENDING)
    client.force_login(moderator)

    assert moderate(client, comment, "delete").status_code == 400
    assert client.post(reverse("comments:moderate", args=[10**9]), {"action": "approve"}).status_code == 404
    assert refreshed(comment).status == Status.PENDING


def test_moderation_is_protected_against_cross_site_requests(moderator, post):
    comment = make_comment(post, status=Status.PENDING)
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)

    assert moderate(client, comment, "approve").status_code == 403
    assert refreshed(comment).status == Status.PENDING

    page = client.get(post.get_absolute_url()).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert moderate(client, comment, "approve", csrfmiddlewaretoken=token).status_code == 302
    assert refreshed(comment).status == Status.APPROVED


def test_approve_and_reply_is_one_step(client, moderator, post):
    comment = make_comment(post, name="Karl", status=Status.PENDING, hold_reasons=[Comment.HoldReason.FIRST_COMMENT])
    client.force_login(moderator)

    response = moderate(client, comment, "approve_reply", body="Thank you, *Karl*.")

    reply = Comment.objects.get(parent=comment)
    assertRedirects(response, f"{post.get_absolute_url()}#comment-{reply.pk}", fetch_redirect_response=False)
    comment, post = refreshed(comment, post)
    assert (comment.status, comment.hold_reasons, comment.moderated_by) == (Status.APPROVED, [], moderator)
    assert (reply.status, reply.user, reply.badge) == (Status.APPROVED, moderator, Comment.Badge.MODERATOR)
    assert reply.body_html == "<p>Thank you, <em>Karl</em>.</p>"
    assert post.comment_count == 2

    page = Client().get(post.get_absolute_url())  # a reader sees both, the reply nested and badged
    html = page.content.decode()
    nested = html[html.index(f'id="comment-{comment.pk}"') :]
    assert '<ol class="comment-children">' in nested.split(f'id="comment-{reply.pk}"')[0]
    assertContains(page, '<span class="badge badge--moderator">Moderator</span>', count=1)


def test_an_empty_approve_and_reply_changes_nothing(client, moderator, post):
    comment = make_comment(post, status=Status.PENDING)
    client.force_login(moderator)

    response = moderate(client, comment, "approve_reply", body="   ")

    assert response.status_code == 302
    assert refreshed(comment).status == Status.PENDING
    assert not Comment.objects.filter(parent=comment).exists()
    assertContains(client.get(response.url), "Please write your comment.")


def test_pinning_keeps_one_pin_per_post_shown_above_the_threads(client, moderator, post):
    first = make_comment(post, name="Karl")
    second = make_comment(post, name="Eugene", body="The author's answer.")
    other_post_pin = make_comment(PostFactory(), name="Elsewhere")
    client.force_login(moderator)
    moderate(client, other_post_pin, "pin")

    moderate(client, first, "pin")
    response = moderate(client, second, "pin")

    assertRedirects(response, f"{post.get_absolute_url()}#comment-{second.pk}", fetch_redirect_response=False)
    assert list(post.comments.filter(pinned=True)) == [second]
    assert refreshed(other_post_pin).pinned
    page = Client().get(post.get_absolute_url()).content.decode()
    pinned_box = page[page.index('class="comment-pinned"') : page.index('class="comment-list"')]
    assert f'href="#comment-{second.pk}"' in pinned_box
    assert "The author&#x27;s answer." in pinned_box or "The author's answer." in pinned_box

    moderate(client, second, "unpin")
    assert not post.comments.filter(pinned=True).exists()
    assertNotContains(Client().get(post.get_absolute_url()), 'class="comment-pinned"')


def test_a_held_comment_cannot_be_pinned(client, moderator, post):
    comment = make_comment(post, status=Status.PENDING)
    client.force_login(moderator)

    response = moderate(client, comment, "pin")

    assert not refreshed(comment).pinned
    assertContains(client.get(response.url), "Only an approved comment can be pinned.")


def test_the_post_page_for_a_moderator_takes_a_fixed_number_of_queries(client, moderator):
    def queries_for(size):
        post = PostFactory()
        for number in range(size):
            make_comment(post, status=Status.PENDING if number % 3 == 0 else Status.APPROVED)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(post.get_absolute_url())
        assert len(moderation_forms(response)) >= size
        return len(queries)

    client.force_login(moderator)
    layout()  # the site settings (created on first use) and the menu, cached: not part of what a page costs
    assert queries_for(5) == queries_for(50)
