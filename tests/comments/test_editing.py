"""Writers editing and deleting their own comment: the cookie, the window, replies, revisions, links."""

import datetime
from urllib.parse import urlsplit

import pytest
import time_machine
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from authors.roles import MODERATORS
from blog.context_processors import layout
from blog.models import SiteSettings
from comments import editing
from comments.models import Comment, CommentRevision
from comments.viewers import EDITABLE_COOKIE, HELD_COOKIE, editable_comment_ids
from tests.factories import PostFactory, make_comment

pytestmark = pytest.mark.django_db

WRITTEN = datetime.datetime(2025, 3, 4, 10, 27, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)
NOT_YOURS = "Only the browser that wrote it, or the link we email to a confirmed address, can change a comment."
WINDOW_OVER = "The time for changing this comment is over"
HAS_REPLIES = "Someone has replied to this comment"
HELD_NOTICE = "Your comment is awaiting moderation. Only you can see it."


@pytest.fixture(autouse=True)
def rules():
    """A reader's first comment is approved at once (the hold has its own tests); 15 minutes to edit."""
    site = SiteSettings.load()
    site.comment_hold_first = False
    site.comment_edit_minutes = 15
    site.save()
    return site


@pytest.fixture
def clock():
    """Time stands still at WRITTEN until a test moves it."""
    with time_machine.travel(WRITTEN, tick=False) as traveller:
        yield traveller


@pytest.fixture
def post(clock):
    return PostFactory()


@pytest.fixture
def written(client, post, send_comment, clock):
    """A comment Ada's browser (`client`) posted at WRITTEN, approved."""
    response = send_comment(post, body="My first thougths.")
    assert response.status_code == 303
    comment = Comment.objects.get(body="My first thougths.")
    assert comment.status == Comment.Status.APPROVED
    return comment


def edit_url(comment):
    return reverse("comments:edit", args=[comment.pk])


def delete_url(comment):
    return reverse("comments:delete", args=[comment.pk])


def page(browser, comment):
    return browser.get(comment.post.get_absolute_url())


def own_actions(comment):
    return f'href="{edit_url(comment)}"'


# The cookie, and who sees Edit and Delete


def test_posting_gives_the_browser_a_signed_cookie_for_the_edit_window(client, written):
    cookie = client.cookies[EDITABLE_COOKIE]

    assert cookie["max-age"] == 15 * 60
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert str(written.pk) != cookie.value  # signed, not a bare id
    request = RequestFactory().get("/")
    request.COOKIES[EDITABLE_COOKIE] = cookie.value
    assert editable_comment_ids(request) == {written.pk}


def test_only_the_writers_browser_sees_edit_and_delete(client, written):
    mine = page(client, written)
    assertContains(mine, own_actions(written))
    assertContains(mine, f'href="{delete_url(written)}"')
    assertContains(mine, 'Edit<span class="visually-hidden"> your comment</span>')
    assertContains(mine, 'You can change it until <time datetime="2025-03-04T10:42:00+00:00">')

    someone = Client()
    theirs = page(someone, written)
    assertContains(theirs, "My first thougths.")
    assertNotContains(theirs, own_actions(written))
    assertNotContains(theirs, "You can change it until")
    # A cookie naming the comment but not signed by the site gives nothing.
    someone.cookies[EDITABLE_COOKIE] = str(written.pk)
    assertNotContains(page(someone, written), own_actions(written))
    assert someone.get(edit_url(written)).status_code == 403


def test_a_page_for_the_writer_never_goes_to_the_shared_cache(client, written):
    page(client, written)

    other = page(Client(), written)  # rendered for the cache, not served from the writer's copy

    assertNotContains(other, own_actions(written))


def test_the_writers_own_held_comment_can_be_edited_too(client, post, send_comment, rules, clock):
    rules.comment_hold_first = True
    rules.save()
    send_comment(post, body="Waiting, and a typo.")
    held = Comment.objects.get(body="Waiting, and a typo.")
    assert held.status == Comment.Status.PENDING

    assertContains(page(client, held), own_actions(held))

    response = client.post(edit_url(held), {"body": "Waiting, no typo."})

    held.refresh_from_db()
    assert response.status_code == 303
    assert (held.body, held.status) == ("Waiting, no typo.", Comment.Status.PENDING)
    assert held.hold_reasons == ["first_comment"]
    assertContains(page(client, held), "Waiting, no typo.")
    assertNotContains(page(Client(), held), "Waiting")


# Editing


def test_editing_within_the_window_keeps_the_old_text_and_shows_edited(client, written, clock):
    clock.shift(14 * MINUTE)

    form = client.get(edit_url(written))
    assertContains(form, "My first thougths.</textarea>")
    assertContains(form, '<button type="submit">Save</button>')
    assert "no-cache" in form["Cache-Control"]
    response = client.post(edit_url(written), {"body": "My first thoughts."})

    assert response.status_code == 303
    assert response["Location"] == f"{written.post.get_absolute_url()}#comment-{written.pk}"
    written.refresh_from_db()
    assert written.body == "My first thoughts."
    assert written.edited_at == WRITTEN + 14 * MINUTE
    (revision,) = CommentRevision.objects.filter(comment=written)
    assert (revision.body, revision.written_at) == ("My first thougths.", WRITTEN)
    assertContains(page(client, written), "Your comment is saved.")
    for browser in (client, Client()):
        shown = page(browser, written)
        assertContains(shown, "<p>My first thoughts.</p>")
        assertContains(
            shown, '<time datetime="2025-03-04T10:41:00+00:00" title="Edited on March 4, 2025 at 10:41 a.m."'
        )
        assertNotContains(shown, "thougths")


def test_a_second_edit_keeps_both_earlier_versions(client, written, clock):
    clock.shift(2 * MINUTE)
    client.post(edit_url(written), {"body": "Second version."})
    clock.shift(2 * MINUTE)
    client.post(edit_url(written), {"body": "Third version."})

    revisions = list(CommentRevision.objects.filter(comment=written).values_list("body", "written_at"))

    assert revisions == [("Second version.", WRITTEN + 2 * MINUTE), ("My first thougths.", WRITTEN)]


def test_after_the_window_the_edit_is_refused_and_the_text_kept(client, written, clock):
    clock.shift(16 * MINUTE)

    response = client.post(edit_url(written), {"body": "Too late <b>now</b>."})

    assert response.status_code == 403
    assertContains(response, WINDOW_OVER, status_code=403)
    assertContains(response, "Too late &lt;b&gt;now&lt;/b&gt;.</textarea>", status_code=403)
    assert client.get(edit_url(written)).status_code == 403
    assert client.post(delete_url(written)).status_code == 403
    written.refresh_from_db()
    assert (written.body, written.status, written.edited_at) == ("My first thougths.", Comment.Status.APPROVED, None)
    assertNotContains(page(client, written), own_actions(written))


def test_a_browser_that_did_not_write_it_is_refused(written):
    stranger = Client()

    response = stranger.post(edit_url(written), {"body": "Hijacked."})

    assertContains(response, NOT_YOURS, status_code=403)
    assert stranger.post(delete_url(written)).status_code == 403
    written.refresh_from_db()
    assert (written.body, written.status) == ("My first thougths.", Comment.Status.APPROVED)


def test_a_reply_below_it_ends_editing(client, written):
    make_comment(written.post, parent=written, name="Bea", body="I disagree.")

    response = client.post(edit_url(written), {"body": "Rewriting history."})

    assertContains(response, HAS_REPLIES, status_code=403)
    assertContains(response, "Rewriting history.</textarea>", status_code=403)
    assertNotContains(page(client, written), own_actions(written))
    written.refresh_from_db()
    assert written.body == "My first thougths."


def test_a_reply_beside_it_past_the_maximum_depth_ends_editing(client, post, send_comment, rules, clock):
    rules.comment_max_depth = 2
    rules.save()
    root = make_comment(post, name="Carl", body="The root.")
    send_comment(post, body="At the deepest level.", parent=root.pk)
    deepest = Comment.objects.get(body="At the deepest level.")
    assertContains(page(client, deepest), own_actions(deepest))

    beside = make_comment(post, parent=deepest, name="Bea", body="Answering you.")

    assert (beside.parent_id, beside.in_reply_to_id) == (root.pk, deepest.pk)
    assertNotContains(page(client, deepest), own_actions(deepest))
    assertContains(client.get(edit_url(deepest)), HAS_REPLIES, status_code=403)


def test_a_form_with_errors_comes_back_with_the_text(client, written, rules):
    rules.comment_max_length = 20
    rules.save()

    empty = client.post(edit_url(written), {"body": "   "})
    long = client.post(edit_url(written), {"body": "Far too long for this site's limit."})

    assertContains(empty, "Please write your comment.", status_code=400)
    assertContains(long, "Please shorten your comment to 20 characters", status_code=400)
    assertContains(long, "Far too long for this site&#x27;s limit.</textarea>", status_code=400)
    written.refresh_from_db()
    assert written.body == "My first thougths."


def test_an_edit_shows_to_readers_of_the_cached_page(client, written):
    reader = Client()
    page(reader, written)
    with CaptureQueriesContext(connection) as queries:
        assertContains(page(reader, written), "My first thougths.")
    assert len(queries) == 0  # served from the shared cache

    client.post(edit_url(written), {"body": "Corrected."})

    fresh = page(reader, written)
    assertContains(fresh, "<p>Corrected.</p>")
    assertContains(fresh, ">edited</time>")


@pytest.mark.parametrize(
    ("setting", "value", "body", "status", "reason"),
    [
        ("comment_block_list", "casino", "Visit my casino.", Comment.Status.SPAM, "block_list:casino"),
        ("comment_moderation_list", "crypto", "About crypto.", Comment.Status.PENDING, "moderation_list:crypto"),
        ("comment_max_links", 0, "See https://example.com", Comment.Status.PENDING, "too_many_links:1 links"),
    ],
)
def test_an_edit_is_screened_again(client, written, rules, setting, value, body, status, reason):
    setattr(rules, setting, value)
    rules.save()

    response = client.post(edit_url(written), {"body": body})

    assert response.status_code == 303
    written.refresh_from_db()
    assert (written.status, written.hold_reasons) == (status, [reason])
    written.post.refresh_from_db()
    assert written.post.comment_count == 0
    assertNotContains(page(Client(), written), body)
    mine = page(client, written)
    if status == Comment.Status.PENDING:
        assert HELD_COOKIE in response.cookies  # the writer still sees it, held
        assertContains(mine, HELD_NOTICE)
    else:
        assertNotContains(mine, body)


def test_a_moderators_comment_is_not_screened_again(post, rules, staff):
    rules.comment_block_list = "casino"
    rules.save()
    moderator = staff(MODERATORS)
    comment = make_comment(post, user=moderator, body="Fine words.")

    from comments.services import comment_edit

    comment_edit(comment, body="The casino story, as news.")

    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED


# Deleting


def test_deleting_asks_then_removes_the_comment(client, written):
    confirm = client.get(delete_url(written))
    assertContains(confirm, '<button type="submit">Delete my comment</button>')
    written.refresh_from_db()
    assert written.status == Comment.Status.APPROVED  # the GET changed nothing

    response = client.post(delete_url(written))

    assert response.status_code == 303
    assert response["Location"] == f"{written.post.get_absolute_url()}#comments"
    written.refresh_from_db()
    assert written.status == Comment.Status.REMOVED
    written.post.refresh_from_db()
    assert written.post.comment_count == 0
    mine = page(client, written)
    assertContains(mine, "Your comment is deleted.")
    for shown in (mine, page(Client(), written)):
        assertNotContains(shown, "My first thougths.")
        assertNotContains(shown, f'id="comment-{written.pk}"')  # no replies to keep: not even a placeholder


def test_a_comment_with_a_reply_cannot_be_deleted(client, written):
    reply = make_comment(written.post, parent=written, name="Bea", body="I disagree.")

    assertContains(client.post(delete_url(written)), HAS_REPLIES, status_code=403)

    written.refresh_from_db()
    assert written.status == Comment.Status.APPROVED
    assertContains(page(Client(), reply), "My first thougths.")


# The emailed link


def link_path(comment):
    return urlsplit(editing.edit_link(comment)).path


def test_the_emailed_link_lets_another_browser_edit(written):
    phone = Client()
    path = link_path(written)

    response = phone.get(path)

    assert response.status_code == 303
    assert response["Location"] == edit_url(written)
    assert EDITABLE_COOKIE in response.cookies
    assertContains(phone.get(edit_url(written)), "My first thougths.</textarea>")
    assert phone.post(edit_url(written), {"body": "From my phone."}).status_code == 303
    written.refresh_from_db()
    assert written.body == "From my phone."


def test_an_expired_link_is_refused(written, clock):
    path = link_path(written)
    clock.shift(datetime.timedelta(days=1, minutes=1))

    response = Client().get(path)

    assert response.status_code == 410
    assertContains(response, "This link has expired", status_code=410)
    assert EDITABLE_COOKIE not in response.cookies


def test_a_link_for_another_comment_or_a_forged_one_is_refused(written, post):
    other = make_comment(post, name="Bea", body="Someone else's.")
    stolen_token = link_path(written).rstrip("/").rsplit("/", 1)[-1]

    for path in [
        reverse("comments:edit_by_link", args=[other.pk, stolen_token]),
        reverse("comments:edit_by_link", args=[written.pk, "not-a-token"]),
    ]:
        response = Client().get(path)
        assert response.status_code == 400, path
        assert EDITABLE_COOKIE not in response.cookies


def test_no_link_once_the_comment_cannot_be_changed(written, clock):
    assert editing.edit_link(written) is not None
    clock.shift(15 * MINUTE)
    assert editing.edit_link(written) is None


# Moderators


def test_moderators_see_earlier_versions_on_the_comments_admin_page(client, written, clock, staff):
    clock.shift(MINUTE)
    client.post(edit_url(written), {"body": "Second version."})
    clock.shift(MINUTE)
    client.post(edit_url(written), {"body": "Third version."})
    moderator = Client()
    moderator.force_login(staff(MODERATORS))

    public = page(moderator, written)
    change_url = reverse("admin:comments_comment_change", args=[written.pk])
    assertContains(public, f'<a href="{change_url}#revisions-group" title="Earlier versions">')
    admin_page = moderator.get(change_url).content.decode()

    assert admin_page.index("Second version.") < admin_page.index("My first thougths.")  # newest first
    # Read-only: a forged save changes nothing.
    forged = {"body": "Defaced", "revisions-TOTAL_FORMS": 0, "revisions-INITIAL_FORMS": 0}
    forged |= {"reports-TOTAL_FORMS": 0, "reports-INITIAL_FORMS": 0}
    assert moderator.post(change_url, forged).status_code == 302
    written.refresh_from_db()
    assert written.body == "Third version."
    assert CommentRevision.objects.filter(comment=written).count() == 2


def test_readers_do_not_get_the_link_to_earlier_versions(client, written):
    client.post(edit_url(written), {"body": "Changed."})

    assertNotContains(page(Client(), written), "Earlier versions")
    assertNotContains(page(client, written), "Earlier versions")


# What the page costs


def queries_for(browser, url):
    layout()  # the site settings and menu, cached as on a running site
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_writers_page_costs_one_query_more_and_nobody_elses_changes(client, written, no_page_cache, clock):
    from tests.comments.test_discussion import POST_PAGE_QUERIES

    url = written.post.get_absolute_url()
    make_comment(written.post, name="Bea", body="Another thread.")

    ordinary = queries_for(Client(), url)
    writers = queries_for(client, url)

    assert ordinary == POST_PAGE_QUERIES
    assert writers == ordinary + 1
    clock.shift(16 * MINUTE)  # the cookie has expired: an ordinary page again
    assert queries_for(client, url) == ordinary


def test_a_moderator_who_wrote_a_comment_sees_edit_under_it_among_the_moderation_buttons(client, post, staff):
    moderator = staff(MODERATORS)
    client.force_login(moderator)
    response = client.post(reverse("comments:create", args=[post.pk]), {"body": "Moderator speaking."})
    assert response.status_code == 303
    comment = Comment.objects.get(body="Moderator speaking.")

    shown = page(client, comment)

    assertContains(shown, own_actions(comment))
    assertContains(shown, f'action="{reverse("comments:moderate", args=[comment.pk])}"')
