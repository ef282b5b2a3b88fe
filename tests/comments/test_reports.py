"""Readers' reports: one shared form, one report per reader, the threshold that holds a comment."""

import re

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from authors.roles import AUTHORS, MODERATORS
from blog.models import SiteSettings
from comments.models import Comment, CommentReport
from comments.moderation import REPORT_LIMIT, REPORT_THANKS, REPORTER_COOKIE, REPORTER_SALT
from tests.factories import AuthorFactory, PostFactory, make_comment

REPORT_URL = reverse("comments:report")


@pytest.fixture
def post(db):
    return PostFactory(title="Love Letters")


@pytest.fixture
def comment(post):
    return make_comment(post, name="Karl", body="Buy cheap watches at example.net")


def report(client, comment, ip="198.51.100.1", reason=CommentReport.Reason.SPAM, **data):
    return client.post(REPORT_URL, {"comment": comment.pk, "reason": reason, **data}, REMOTE_ADDR=ip)


def reporter_token(client):
    """The token in the client's signed reporter cookie, read as the site reads it."""
    request = RequestFactory().get("/")
    request.COOKIES[REPORTER_COOKIE] = client.cookies[REPORTER_COOKIE].value
    return request.get_signed_cookie(REPORTER_COOKIE, salt=REPORTER_SALT)


def test_a_report_is_recorded_with_the_readers_ip_and_cookie(client, post, comment):
    response = report(client, comment, reason=CommentReport.Reason.ABUSE, note="Not the first time.")

    assertRedirects(response, f"{post.get_absolute_url()}#comment-{comment.pk}", fetch_redirect_response=False)
    saved = CommentReport.objects.get()
    assert (saved.comment, saved.reason, saved.note) == (comment, "abuse", "Not the first time.")
    assert saved.ip_address == "198.51.100.1"
    assert saved.reporter == reporter_token(client) and len(saved.reporter) >= 20
    assertContains(client.get(response.url), REPORT_THANKS)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED  # one report holds nothing


def test_the_same_reader_counts_once_by_cookie_and_by_ip(client, post, comment):
    report(client, comment, ip="198.51.100.1")
    client.get(post.get_absolute_url())  # the first thanks shown
    again = report(client, comment, ip="198.51.100.2")  # same browser, another network
    other_browser = Client()
    same_network = report(other_browser, comment, ip="198.51.100.1")

    assert CommentReport.objects.count() == 1
    for browser, response in ((client, again), (other_browser, same_network)):
        assert response.status_code == 302
        assertContains(browser.get(response.url), REPORT_THANKS)  # thanked alike, counted once


def test_enough_distinct_readers_hold_the_comment(client, post, comment):
    SiteSettings.objects.update_or_create(pk=1, defaults={"comment_report_threshold": 3})
    SiteSettings.load()
    post.refresh_from_db()
    assert post.comment_count == 1

    for number in range(2):
        report(Client(), comment, ip=f"198.51.100.{number}")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED

    last = report(Client(), comment, ip="198.51.100.99")

    assertRedirects(last, f"{post.get_absolute_url()}#comments", fetch_redirect_response=False)
    comment.refresh_from_db()
    post.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    assert comment.hold_reasons == [Comment.HoldReason.REPORTED]
    assert post.comment_count == 0
    assert CommentReport.objects.filter(comment=comment).count() == 3
    assertNotContains(client.get(post.get_absolute_url()), "cheap watches")


def test_the_threshold_comes_from_the_site_settings(client, post, comment):
    SiteSettings.objects.update_or_create(pk=1, defaults={"comment_report_threshold": 1})

    report(client, comment)

    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


@pytest.mark.parametrize("writer", ["moderator", "post_author", "staff"])
def test_staff_and_author_comments_are_never_held_by_reports(staff, post, writer):
    if writer == "post_author":
        user = staff(AUTHORS)
        post.authors.add(AuthorFactory(user=user), through_defaults={"order": 1})
    else:
        user = staff(MODERATORS if writer == "moderator" else AUTHORS)
    comment = make_comment(post, user=user)

    for number in range(5):
        report(Client(), comment, ip=f"198.51.100.{number}")

    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    assert CommentReport.objects.filter(comment=comment).count() == 5  # still there for the moderators


def test_reports_are_rate_limited_per_ip_address(client, post):
    comments = [make_comment(post, name=f"Reader {number}") for number in range(REPORT_LIMIT + 1)]
    for comment in comments[:REPORT_LIMIT]:
        assert report(client, comment).status_code == 302

    response = report(client, comments[-1], note="Please look at this one too.")

    assert response.status_code == 429
    assertContains(response, "many reports in the last hour", status_code=429)
    assertContains(response, "Please look at this one too.", status_code=429)  # what they typed is kept
    assert CommentReport.objects.count() == REPORT_LIMIT
    assert report(client, comments[-1], ip="203.0.113.5").status_code == 302  # another address is not limited


def test_a_report_needs_a_reason_and_a_comment_readers_can_see(client, post, comment):
    held = make_comment(post, status=Comment.Status.PENDING)

    no_reason = client.post(REPORT_URL, {"comment": comment.pk, "note": "Hm."})
    hidden = report(client, held)

    assertContains(no_reason, "This field is required.")
    assertContains(no_reason, "Hm.")
    assertContains(hidden, "This comment cannot be reported.")
    assert not CommentReport.objects.exists()


def test_the_report_page_works_without_javascript(client, post, comment):
    response = client.get(REPORT_URL, {"comment": comment.pk})

    assertContains(response, "<h1>Report a comment</h1>", html=True)
    assertContains(response, "cheap watches")
    assertContains(
        response, f'<input type="hidden" name="comment" value="{comment.pk}" id="report-comment">', html=True
    )
    assertContains(response, 'type="radio" name="reason"', count=len(CommentReport.Reason.choices))
    assertContains(response, '<textarea name="note"')
    assert REPORTER_COOKIE in response.cookies


@pytest.mark.parametrize("query", [{}, {"comment": "abc"}, {"comment": "999999"}, {"comment": "held"}])
def test_the_report_page_of_a_comment_readers_cannot_see_is_not_found(client, post, query):
    if query.get("comment") == "held":
        query = {"comment": make_comment(post, status=Comment.Status.PENDING).pk}

    assert client.get(REPORT_URL, query).status_code == 404


def test_the_post_page_has_one_shared_report_form(client, post):
    comments = [make_comment(post, name=f"Reader {number}") for number in range(3)]

    response = client.get(post.get_absolute_url())

    assertContains(response, f'action="{REPORT_URL}"', count=1)
    assertContains(response, 'id="report-dialog"', count=1)
    assertContains(response, "js/report.js", count=1)
    html = response.content.decode()
    links = re.findall(r'href="/comments/report/\?comment=(\d+)"', html)
    assert links == [str(comment.pk) for comment in comments]


def test_moderators_hear_of_a_comment_held_by_reports(
    post, comment, staff, django_capture_on_commit_callbacks, delivered
):
    SiteSettings.objects.update_or_create(pk=1, defaults={"comment_report_threshold": 1})
    SiteSettings.load()
    staff(MODERATORS, username="mona", email="mona@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        report(Client(), comment)

    (held,) = [email for email in delivered() if email.to == ["mona@example.com"]]
    assert "Buy cheap watches" in held.body
    assert "Reported by readers" in held.body
