"""Moderators' emails: held comments one by one or as digests, moderating from their links, the alerts page."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from authors.models import User
from authors.roles import EDITORS, MODERATORS
from comments import moderator_mail
from comments.models import Comment, Commenter, EmailModeration
from tests.factories import PostFactory, UserFactory, make_comment

pytestmark = pytest.mark.django_db

Alerts = User.CommentAlerts
Status = Comment.Status
NOON = datetime.datetime(2024, 3, 1, 12, 0, tzinfo=datetime.UTC)
LINK = re.compile(r"https://colloquy\.example/comments/email/moderate/[^/\s\"]+/")


@pytest.fixture
def post():
    return PostFactory(title="Love Letters")


@pytest.fixture
def moderator(staff):
    return staff(MODERATORS, username="mona", email="mona@example.com")


def recipients(outbox):
    return sorted(address for message in outbox for address in message.to)


def links_in(message):
    """The moderation links of an email, by action, in the order the email gives them."""
    found = LINK.findall(message.body)
    assert set(found) == set(LINK.findall(message.alternatives[0][0]))
    return found


def action_link(message, action):
    """The `action` link ("approve", "spam", "remove") of the first comment in an email."""
    label = {"approve": "Approve", "spam": "Mark as spam", "remove": "Remove"}[action]
    return re.search(rf"^{label}: (\S+)$", message.body, re.MULTILINE).group(1)


def path_of(url):
    return url.removeprefix("https://colloquy.example")


def held_email(send_comment, post, delivered, capture, **fields):
    """Post a first comment (held by default) from the public form; returns the emails sent."""
    with capture(execute=True):
        response = send_comment(post, **fields)
    assert response.status_code == 303
    return delivered()


# Each held comment, at once -------------------------------------------------------------------


def test_a_held_comment_emails_the_moderators_who_want_each_one_and_nobody_else(
    staff, moderator, post, send_comment, delivered, django_capture_on_commit_callbacks
):
    editor = staff(EDITORS, username="edna", email="edna@example.com")  # editors moderate too
    UserFactory(username="root", email="root@example.com", is_staff=True, is_superuser=True)
    staff(MODERATORS, username="hourly", comment_alerts=Alerts.HOURLY)
    staff(MODERATORS, username="daily", comment_alerts=Alerts.DAILY)
    staff(MODERATORS, username="never", comment_alerts=Alerts.NEVER)
    staff(MODERATORS, username="gone", is_active=False)
    staff(MODERATORS, username="quiet", email="Quiet@example.com")
    Commenter.objects.create(email="quiet@example.com", unsubscribed_at=NOON)
    not_staff = UserFactory(username="notstaff")
    not_staff.groups.add(Group.objects.get(name=MODERATORS))
    writer_only = staff("Authors", username="author")  # no permission to change comments

    outbox = held_email(
        send_comment, post, delivered, django_capture_on_commit_callbacks, name="Ada", body="Hello *there*."
    )

    assert Comment.objects.get().status == Status.PENDING
    assert recipients(outbox) == ["edna@example.com", "mona@example.com", "root@example.com"]
    assert writer_only.email not in recipients(outbox) and editor.email in recipients(outbox)
    message = next(message for message in outbox if message.to == ["mona@example.com"])
    assert message.subject == "A comment on “Love Letters” is waiting for moderation"
    assert "Ada <ada@example.com>" in message.body
    assert "Hello *there*." in message.body
    assert "First comment from this email" in message.body
    html = message.alternatives[0][0]
    assert "<em>there</em>" in html and "&lt;ada@example.com&gt;" in html
    assert len(links_in(message)) == 3
    comment = Comment.objects.get()
    assert f"https://colloquy.example/admin/comments/comment/{comment.pk}/change/" in message.body
    assert "https://colloquy.example/comments/email/alerts/" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith("<https://colloquy.example/comments/email/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_each_moderator_gets_links_of_their_own(
    staff, moderator, post, send_comment, delivered, django_capture_on_commit_callbacks
):
    staff(MODERATORS, username="otto", email="otto@example.com")

    outbox = held_email(send_comment, post, delivered, django_capture_on_commit_callbacks)

    first, second = (set(links_in(message)) for message in outbox)
    assert len(first | second) == 6


@pytest.mark.parametrize("status", [Status.APPROVED, Status.SPAM])
def test_no_moderator_email_for_a_comment_that_is_not_held(
    moderator, post, status, delivered, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_comment(post, status=status, email="ada@example.com", notify=True)

    assert "mona@example.com" not in recipients(delivered())


def test_a_moderator_hears_nothing_of_their_own_held_comment(moderator, post):
    comment = make_comment(post, status=Status.PENDING, name="Mona", email="MONA@example.com")

    assert moderator_mail.comment_held(comment) == 0


def test_a_name_cannot_forge_a_header(moderator, post, delivered):
    # The public form refuses such a name; an imported or older comment may still hold one.
    comment = make_comment(post, status=Status.PENDING, name="Eve\r\nBcc: all@example.com")

    assert moderator_mail.comment_held(comment) == 1

    (message,) = delivered()
    assert message.bcc == [] and "Bcc" not in message.extra_headers
    assert "Eve" not in message.subject and "Eve" in message.body


# Digests ----------------------------------------------------------------------------------------


@pytest.fixture
def hourly(staff):
    return staff(MODERATORS, username="hugo", email="hugo@example.com", comment_alerts=Alerts.HOURLY)


def test_an_hourly_digest_waits_for_the_hour_then_lists_every_comment_held_since(hourly, post, delivered):
    hourly.comment_digest_sent_at = NOON
    hourly.save()
    with time_machine.travel(NOON + datetime.timedelta(minutes=10), tick=False):
        make_comment(post, status=Status.PENDING, name="Ada", body="First held.")
        make_comment(post, status=Status.PENDING, name="Bea", body="Second held.")
        make_comment(post, status=Status.APPROVED, name="Cy", body="Already public.")

    with time_machine.travel(NOON + datetime.timedelta(minutes=50), tick=False):
        assert moderator_mail.send_due_digests() == 0
    assert delivered() == []

    later = NOON + datetime.timedelta(minutes=61)
    with time_machine.travel(later, tick=False):
        assert moderator_mail.send_due_digests() == 1
    (message,) = delivered()
    assert message.to == ["hugo@example.com"]
    assert message.subject == "2 comments waiting for moderation"
    assert "First held." in message.body and "Second held." in message.body
    assert "Already public." not in message.body
    assert len(links_in(message)) == 6
    hourly.refresh_from_db()
    assert hourly.comment_digest_sent_at == later

    # The next hour lists only what was held since.
    with time_machine.travel(later + datetime.timedelta(minutes=5), tick=False):
        make_comment(post, status=Status.PENDING, body="Third held.")
    with time_machine.travel(later + datetime.timedelta(minutes=62), tick=False):
        assert moderator_mail.send_due_digests() == 1
    message = delivered()[-1]
    assert "Third held." in message.body and "First held." not in message.body


def test_nothing_held_means_no_digest_and_the_clock_stays(hourly, post, delivered):
    hourly.comment_digest_sent_at = NOON
    hourly.save()
    with time_machine.travel(NOON + datetime.timedelta(minutes=10), tick=False):
        approved_later = make_comment(post, status=Status.PENDING, body="Approved before the digest.")
    approved_later.status = Status.APPROVED
    approved_later.save()

    with time_machine.travel(NOON + datetime.timedelta(hours=2), tick=False):
        assert moderator_mail.send_due_digests() == 0

    assert delivered() == []
    hourly.refresh_from_db()
    assert hourly.comment_digest_sent_at == NOON


def test_a_first_digest_lists_the_last_period_and_a_daily_one_waits_a_day(staff, hourly, post, delivered):
    daily = staff(MODERATORS, username="dora", email="dora@example.com", comment_alerts=Alerts.DAILY)
    with time_machine.travel(NOON - datetime.timedelta(hours=3), tick=False):
        make_comment(post, status=Status.PENDING, body="Three hours ago.")
    with time_machine.travel(NOON - datetime.timedelta(minutes=30), tick=False):
        make_comment(post, status=Status.PENDING, body="Half an hour ago.")

    with time_machine.travel(NOON, tick=False):
        assert moderator_mail.send_due_digests() == 2
        assert moderator_mail.send_due_digests() == 0  # both just sent
    by_address = {message.to[0]: message for message in delivered()}
    assert "Half an hour ago." in by_address["hugo@example.com"].body
    assert "Three hours ago." not in by_address["hugo@example.com"].body
    assert "Three hours ago." in by_address["dora@example.com"].body

    with time_machine.travel(NOON + datetime.timedelta(hours=1), tick=False):
        make_comment(post, status=Status.PENDING, body="An hour later.")
    with time_machine.travel(NOON + datetime.timedelta(hours=2), tick=False):
        assert moderator_mail.send_due_digests() == 1  # Hugo's hour, not Dora's day
    daily.refresh_from_db()
    assert daily.comment_digest_sent_at == NOON


def test_digests_do_not_go_to_each_or_never_moderators(staff, moderator, post, delivered):
    staff(MODERATORS, username="never", comment_alerts=Alerts.NEVER)
    make_comment(post, status=Status.PENDING)

    assert moderator_mail.send_due_digests() == 0
    assert delivered() == []


def test_the_digest_costs_the_same_queries_for_one_held_comment_or_many(hourly, staff, post):
    staff(MODERATORS, username="dora", email="dora@example.com", comment_alerts=Alerts.DAILY)

    def queries_for(held):
        User.objects.update(comment_digest_sent_at=None)
        Comment.objects.all().delete()
        for number in range(held):
            make_comment(post, status=Status.PENDING, body=f"Held {number}.")
        with CaptureQueriesContext(connection) as queries:
            assert moderator_mail.send_due_digests() == 2
        return len(queries)

    queries_for(1)  # caches warmed: the site settings, permissions' content types
    assert queries_for(1) == queries_for(8)


# Moderating from the email's links ------------------------------------------------------------


@pytest.fixture
def held_comment(post):
    return make_comment(post, status=Status.PENDING, name="Ada", email="ada@example.com", body="Held words.")


@pytest.fixture
def link_for(moderator, held_comment):
    """The path of a fresh moderation link for `action` on the held comment, as Mona's email holds it."""

    def make(action, comment=None, user=None):
        links = moderator_mail.moderation_links(comment or held_comment, user or moderator)
        return path_of(links[action])

    return make


def test_the_link_page_shows_the_comment_and_a_button_and_changes_nothing(client, held_comment, link_for):
    response = client.get(link_for("approve"))

    assertContains(response, "Held words.")
    assertContains(response, "Love Letters")
    assertContains(response, "Pending")
    assertContains(response, '<button type="submit">Approve</button>', html=True)
    assertContains(response, 'method="post"')
    assertContains(response, f"/admin/comments/comment/{held_comment.pk}/change/")
    held_comment.refresh_from_db()
    assert held_comment.status == Status.PENDING and held_comment.moderated_by is None
    assert not EmailModeration.objects.exists()
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("action", "status", "message"),
    [
        ("approve", Status.APPROVED, "The comment by Ada is approved."),
        ("spam", Status.SPAM, "The comment by Ada is marked as spam."),
        ("remove", Status.REMOVED, "The comment by Ada is removed."),
    ],
)
def test_the_button_acts_once_and_logs_it(client, moderator, held_comment, link_for, action, status, message):
    link = link_for(action)

    response = client.post(link, REMOTE_ADDR="203.0.113.9")

    assertContains(response, message)
    assertContains(response, held_comment.get_absolute_url())
    held_comment.refresh_from_db()
    assert held_comment.status == status
    assert held_comment.moderated_by == moderator
    (log,) = EmailModeration.objects.all()
    assert (log.comment, log.moderator, log.action, log.ip_address) == (held_comment, moderator, action, "203.0.113.9")

    again = client.post(link)

    assertContains(again, "This link was already used", status_code=410)
    assert EmailModeration.objects.count() == 1
    assertContains(client.get(link), "This link was already used", status_code=410)


def test_approving_from_the_email_runs_the_approval_flow(
    client, moderator, post, link_for, delivered, django_capture_on_commit_callbacks
):
    comment = make_comment(post, status=Status.PENDING, name="Ada", email="ada@example.com")
    Commenter.objects.create(email="ada@example.com", verified_at=NOON)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(link_for("approve", comment=comment))

    comment.refresh_from_db()
    assert comment.status == Status.APPROVED and comment.moderated_by == moderator
    assert comment.notified_at is not None  # comments_approved ran
    post.refresh_from_db()
    assert post.comment_count == 1
    assert "ada@example.com" in recipients(delivered())  # "your comment was approved"


def test_a_second_link_from_the_same_email_still_works(client, held_comment, link_for):
    client.post(link_for("approve"))

    response = client.post(link_for("remove"))

    assert response.status_code == 200
    held_comment.refresh_from_db()
    assert held_comment.status == Status.REMOVED
    assert EmailModeration.objects.count() == 2


def test_an_expired_link_is_refused(client, held_comment, link_for):
    with time_machine.travel(NOON, tick=False):
        link = link_for("approve")

    with time_machine.travel(NOON + datetime.timedelta(days=8), tick=False):
        shown = client.get(link)
        acted = client.post(link)

    assertContains(shown, "This link has expired; moderate it in the admin", status_code=410)
    assertContains(acted, "This link has expired", status_code=410)
    held_comment.refresh_from_db()
    assert held_comment.status == Status.PENDING
    assert not EmailModeration.objects.exists()


def test_a_link_still_works_within_its_week(client, held_comment, link_for):
    with time_machine.travel(NOON, tick=False):
        link = link_for("approve")

    with time_machine.travel(NOON + datetime.timedelta(days=6), tick=False):
        response = client.post(link)

    assert response.status_code == 200
    held_comment.refresh_from_db()
    assert held_comment.status == Status.APPROVED


def test_a_tampered_link_is_refused(client, held_comment, link_for):
    link = link_for("approve")
    token = link.rstrip("/").rsplit("/", 1)[1]
    tampered = link.replace(token, token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"))

    response = client.post(tampered)

    assertContains(response, "This link is not valid", status_code=400)
    held_comment.refresh_from_db()
    assert held_comment.status == Status.PENDING


def test_a_link_made_for_another_purpose_is_refused(client, held_comment, moderator):
    from comments import links

    forged = links.link("unsubscribe", c=held_comment.pk, a="approve", u=moderator.pk, n="x")
    response = client.post(path_of(forged).replace("/email/unsubscribe/", "/email/moderate/"))

    assert response.status_code == 400
    held_comment.refresh_from_db()
    assert held_comment.status == Status.PENDING


def test_a_moderator_who_lost_the_permission_can_no_longer_use_their_links(client, moderator, held_comment, link_for):
    link = link_for("approve")
    moderator.groups.clear()

    assertNotContains(client.get(link), "Held words.", status_code=403)
    response = client.post(link)

    assert response.status_code == 403
    held_comment.refresh_from_db()
    assert held_comment.status == Status.PENDING
    assert not EmailModeration.objects.exists()


def test_a_deactivated_moderator_can_no_longer_use_their_links(client, moderator, held_comment, link_for):
    link = link_for("spam")
    moderator.is_active = False
    moderator.save()

    assert client.post(link).status_code == 403
    held_comment.refresh_from_db()
    assert held_comment.status == Status.PENDING


def test_a_link_to_a_deleted_comment_finds_nothing(client, held_comment, link_for):
    link = link_for("approve")
    held_comment.delete()

    assert client.get(link).status_code == 404
    assert client.post(link).status_code == 404


def test_links_from_a_real_email_work(
    client, moderator, post, send_comment, delivered, django_capture_on_commit_callbacks
):
    (message,) = held_email(send_comment, post, delivered, django_capture_on_commit_callbacks, body="Spammy.")

    response = client.post(path_of(action_link(message, "spam")))

    assert response.status_code == 200
    comment = Comment.objects.get()
    assert comment.status == Status.SPAM and comment.moderated_by == moderator


# The alerts page --------------------------------------------------------------------------------


def test_a_moderator_chooses_a_digest(client, moderator):
    client.force_login(moderator)
    url = reverse("comments:moderator_alerts")

    page = client.get(url)
    assertContains(page, 'type="radio"', count=len(Alerts.choices))
    assertContains(page, "One digest a day")
    response = client.post(url, {"comment_alerts": Alerts.DAILY}, follow=True)

    assertRedirects(response, url)
    assertContains(response, "Saved: One digest a day.")
    moderator.refresh_from_db()
    assert moderator.comment_alerts == Alerts.DAILY


def test_the_alerts_page_refuses_a_wrong_choice(client, moderator):
    client.force_login(moderator)

    response = client.post(reverse("comments:moderator_alerts"), {"comment_alerts": "weekly"})

    assert response.status_code == 200
    moderator.refresh_from_db()
    assert moderator.comment_alerts == Alerts.EACH


def test_the_alerts_page_asks_to_sign_in(client):
    url = reverse("comments:moderator_alerts")

    response = client.get(url)

    assertRedirects(response, f"{reverse('admin:login')}?next={url}", fetch_redirect_response=False)


def test_the_alerts_page_refuses_non_moderators(client, staff):
    client.force_login(staff("Authors", username="writer"))

    assert client.get(reverse("comments:moderator_alerts")).status_code == 403
    assert client.post(reverse("comments:moderator_alerts"), {"comment_alerts": Alerts.NEVER}).status_code == 403
    assert User.objects.get(username="writer").comment_alerts == Alerts.EACH


def test_the_desk_links_to_the_alerts_page(client, moderator):
    client.force_login(moderator)

    response = client.get(reverse("admin:index"))

    assertContains(response, reverse("comments:moderator_alerts"))


def test_the_user_admin_shows_the_alerts_choice(admin_client, moderator):
    response = admin_client.get(reverse("admin:authors_user_change", args=[moderator.pk]))

    assertContains(response, 'name="comment_alerts"')
