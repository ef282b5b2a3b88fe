"""Privacy: the notice on the form, data retention, a commenter's export and erasure, and no leaks."""

import datetime
import io
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from post_office import mail
from post_office.models import Email
from pytest_django.asserts import assertContains, assertNotContains

from blog.models import Post, SiteSettings
from comments.models import Ban, Comment, Commenter, CommentReport, CommentRevision, MutedPost, Subscription
from comments.services import ANONYMOUS, comment_set_status
from comments.trees import tree_errors
from tests.factories import PostFactory, make_comment, make_threads
from tests.factories import comment_node as node

pytestmark = pytest.mark.django_db

PENDING, APPROVED, SPAM, REMOVED = Comment.Status.values
PLACEHOLDER = "This comment was removed."
T = datetime.datetime(2025, 1, 10, 12, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


def run(*args):
    output = io.StringIO()
    call_command(*args, stdout=output)
    return output.getvalue()


def snapshot():
    """Every comment and report row, to show that a command changed nothing."""
    return (
        list(Comment.objects.order_by("pk").values()),
        list(CommentReport.objects.order_by("pk").values()),
        list(Post.objects.order_by("pk").values("pk", "comment_count")),
    )


def report(comment, ip_address, reporter):
    return CommentReport.objects.create(comment=comment, reason="spam", ip_address=ip_address, reporter=reporter)


# The notice on the form


def test_the_form_says_what_is_stored_for_how_long_and_links_the_privacy_page(client):
    settings = SiteSettings.load()
    settings.commenter_data_days, settings.privacy_url = 45, "/privacy/"
    settings.save()
    post = PostFactory()

    response = client.get(post.get_absolute_url())

    assertContains(response, "your email, which is never shown")
    assertContains(response, "for 45 days your IP address and browser, to fight spam and abuse.")
    assertContains(response, '<a href="/privacy/">Privacy policy</a>', html=True)


def test_without_a_privacy_page_the_notice_has_no_link(client):
    response = client.get(PostFactory().get_absolute_url())

    assertContains(response, "for 90 days your IP address and browser")
    assertNotContains(response, "Privacy policy")


# purge_commenter_data


@pytest.fixture
def clock():
    with time_machine.travel(T, tick=False) as traveller:
        yield traveller


@pytest.fixture
def post(clock):
    return PostFactory()


@pytest.fixture
def forest(clock, post):
    """Hidden comments of every shape, written at T; two hidden at T + 25 days and one written then."""
    comments = make_threads(
        post,
        node("Spam root", node("Answer to spam"), status=SPAM),
        node("Removed root", node("Spam reply", status=SPAM), status=REMOVED),
        node(
            "Approved root",
            node("Removed reply", node("Spam under removed", status=SPAM), status=REMOVED),
            node("Kept reply"),
            node("Removed lately"),
        ),
        node("Spam over pending", node("Pending reply", status=PENDING), status=SPAM),
        node("Removed over recent", node("Recent removed"), status=REMOVED),
    )
    report(comments["Spam root"], "198.51.100.1", "a")
    report(comments["Removed reply"], "198.51.100.2", "b")
    clock.move_to(T + 25 * DAY)
    comment_set_status([comments["Removed lately"], comments["Recent removed"]], REMOVED)
    comments["Young spam"] = make_comment(post, name="Young spam", status=SPAM)
    return comments


def names():
    return set(Comment.objects.values_list("name", flat=True))


def test_purge_deletes_old_hidden_subtrees_and_empties_those_with_replies(client, clock, post, forest):
    clock.move_to(T + 31 * DAY)

    output = run("purge_commenter_data")

    assert "4 deleted, 3 emptied" in output
    kept = {"Answer to spam", "Approved root", "Kept reply", "Removed lately", "Pending reply", "Recent removed"}
    assert names() == {*kept, "Young spam", ANONYMOUS}
    placeholders = Comment.objects.filter(name=ANONYMOUS)
    assert {comment.pk for comment in placeholders} == {
        forest[name].pk for name in ["Spam root", "Spam over pending", "Removed over recent"]
    }
    for placeholder in placeholders:
        assert placeholder.status in (SPAM, REMOVED)
        assert (placeholder.body, placeholder.body_html, placeholder.email) == ("", "", "")
        assert (placeholder.ip_address, placeholder.user_agent, placeholder.website) == (None, "", "")
        assert placeholder.hold_reasons == []
    assert not CommentReport.objects.exists()  # the placeholder's report, and the deleted comment's
    assert tree_errors(Comment.objects.all()) == []
    post.refresh_from_db()
    assert post.comment_count == Comment.objects.filter(status=APPROVED).count() == 3
    page = client.get(post.get_absolute_url())
    assertContains(page, "Answer to spam writes.")
    assertContains(page, PLACEHOLDER, count=1)
    assertNotContains(page, "Spam root writes.")


def test_purge_counts_from_the_moderators_decision_and_finishes_later(clock, post, forest):
    clock.move_to(T + 31 * DAY)
    run("purge_commenter_data")

    clock.move_to(T + 56 * DAY)
    output = run("purge_commenter_data")

    # Removed lately, Young spam, and the emptied "Removed over recent" now that its reply is due too.
    assert "4 deleted, 0 emptied" in output
    assert names() == {"Answer to spam", "Approved root", "Kept reply", "Pending reply", ANONYMOUS}
    assert Comment.objects.filter(name=ANONYMOUS).count() == 2
    assert tree_errors(Comment.objects.all()) == []


def test_purge_erases_old_ip_addresses_and_user_agents_only(clock, post):
    old = make_comment(post, name="Old", ip_address="192.0.2.1", user_agent="OldBrowser/1")
    old_report = report(old, "192.0.2.2", "old")
    clock.move_to(T + 60 * DAY)
    recent = make_comment(post, name="Recent", ip_address="192.0.2.3", user_agent="NewBrowser/2")
    recent_report = report(old, "192.0.2.4", "recent")
    clock.move_to(T + 91 * DAY)

    output = run("purge_commenter_data")

    assert "1 comment(s) and the IP address of 1 report(s) were erased" in output
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.ip_address, old.user_agent, old.body) == (None, "", "A thoughtful comment.")
    assert (recent.ip_address, recent.user_agent) == ("192.0.2.3", "NewBrowser/2")
    assert CommentReport.objects.get(pk=old_report.pk).ip_address is None
    assert CommentReport.objects.get(pk=recent_report.pk).ip_address == "192.0.2.4"


def test_purge_is_idempotent(clock, forest):
    clock.move_to(T + 91 * DAY)
    run("purge_commenter_data")
    before = snapshot()

    output = run("purge_commenter_data")

    assert snapshot() == before
    assert "0 deleted, 0 emptied" in output
    assert "0 comment(s) and the IP address of 0 report(s) were erased" in output


def test_a_dry_run_says_what_would_happen_and_changes_nothing(clock, forest):
    clock.move_to(T + 31 * DAY)
    before = snapshot()

    output = run("purge_commenter_data", "--dry-run")

    assert snapshot() == before
    assert "4 would be deleted, 3 would be emptied" in output
    assert "Dry run: nothing was changed." in output
    assert "4 deleted, 3 emptied" in run("purge_commenter_data")


# commenter_data export and erase


@pytest.fixture
def mia(clock, post):
    """Mia's comments (her email in two spellings) among others': a thread of hers, a reply, a held one."""
    other_post = PostFactory()
    mine = {"email": "Mia@Example.org", "ip_address": "192.0.2.10", "user_agent": "MiaBrowser/1"}
    root = make_comment(post, name="Mia", body="Mia starts a thread.", website="https://mia.example", **mine)
    answer = make_comment(post, parent=root, name="Ola", email="ola@example.org", ip_address="192.0.2.20")
    reply = make_comment(
        post, parent=answer, name="Mia", body="Mia answers Ola.", **mine | {"email": "mia@example.org"}
    )
    other_root = make_comment(post, name="Ola", email="ola@example.org", body="Ola's own thread.")
    elsewhere = make_comment(other_post, name="Mia B.", body="Mia, held.", status=PENDING, **mine)
    make_comment(post, parent=other_root, name="Mia", body="Mia joins in.", **mine)
    Ban.objects.create(kind=Ban.Kind.EMAIL, value="mia@example.org", reason="Too many links")
    return {"root": root, "answer": answer, "reply": reply, "other_root": other_root, "elsewhere": elsewhere}


@pytest.fixture
def mia_pks(mia):
    return sorted(Comment.objects.filter(email__iexact="mia@example.org").values_list("pk", flat=True))


def others(mia_pks):
    return list(Comment.objects.exclude(pk__in=mia_pks).order_by("pk").values())


def tree_fields():
    return list(Comment.objects.order_by("pk").values("pk", "parent_id", "tree_id", "lft", "rght", "level"))


def test_export_prints_everything_stored_about_a_commenter_as_json(post, mia, mia_pks):
    data = json.loads(run("commenter_data", "export", "MIA@example.ORG"))

    assert data["email"] == "MIA@example.ORG"
    assert [comment["id"] for comment in data["comments"]] == mia_pks
    first = data["comments"][0]
    assert first["post"] == {"title": post.title, "url": f"https://colloquy.example{post.get_absolute_url()}"}
    assert first["written"] == T.isoformat().replace("+00:00", "Z")
    assert (first["name"], first["email"], first["website"]) == ("Mia", "Mia@Example.org", "https://mia.example")
    assert (first["ip_address"], first["user_agent"]) == ("192.0.2.10", "MiaBrowser/1")
    assert (first["text"], first["status"]) == ("Mia starts a thread.", "approved")
    held = next(comment for comment in data["comments"] if comment["id"] == mia["elsewhere"].pk)
    assert (held["status"], held["hold_reasons"]) == ("pending", [])
    replying = next(comment for comment in data["comments"] if comment["id"] == mia["reply"].pk)
    assert replying["in_reply_to"] == mia["answer"].pk
    assert [ban["reason"] for ban in data["bans"]] == ["Too many links"]
    assert "ola@example.org" not in json.dumps(data)


def test_erase_anonymises_a_commenter_and_keeps_text_threads_and_everyone_else(client, post, mia, mia_pks):
    others_before, trees_before = others(mia_pks), tree_fields()
    texts = dict(Comment.objects.filter(pk__in=mia_pks).values_list("pk", "body"))
    statuses = dict(Comment.objects.filter(pk__in=mia_pks).values_list("pk", "status"))

    output = run("commenter_data", "erase", "mia@EXAMPLE.org")

    assert "Anonymised 4 comment(s) by mia@EXAMPLE.org on 2 post(s); their text was kept." in output
    assert "1 ban(s) on this email are kept" in output
    for comment in Comment.objects.filter(pk__in=mia_pks):
        assert (comment.name, comment.email, comment.website) == (ANONYMOUS, "", "")
        assert (comment.ip_address, comment.user_agent) == (None, "")
        assert (comment.body, comment.status) == (texts[comment.pk], statuses[comment.pk])
    assert others(mia_pks) == others_before
    assert tree_fields() == trees_before
    assert tree_errors(Comment.objects.all()) == []
    assert not Comment.objects.filter(email__iexact="mia@example.org").exists()
    page = client.get(post.get_absolute_url())
    assertContains(page, "Mia answers Ola.")
    assertNotContains(page, 'data-reply-name="Mia"')
    assertNotContains(page, "mia.example")


def test_erase_with_remove_text_leaves_placeholders_that_keep_the_replies(client, post, mia, mia_pks):
    others_before, trees_before = others(mia_pks), tree_fields()

    output = run("commenter_data", "erase", "mia@example.org", "--remove-text")

    assert "their text was removed" in output
    for comment in Comment.objects.filter(pk__in=mia_pks):
        assert (comment.name, comment.body, comment.body_html, comment.status) == (ANONYMOUS, "", "", REMOVED)
    assert others(mia_pks) == others_before
    assert tree_fields() == trees_before
    assert tree_errors(Comment.objects.all()) == []
    post.refresh_from_db()
    assert post.comment_count == 2  # Ola's two comments
    page = client.get(post.get_absolute_url())
    assertContains(page, PLACEHOLDER, count=1)  # Mia's thread, kept for Ola's answer; her leaves vanish
    assertContains(page, "A thoughtful comment.")  # Ola's answer
    assertNotContains(page, "Mia")


def test_erase_twice_changes_nothing_the_second_time(mia):
    run("commenter_data", "erase", "mia@example.org")
    before = snapshot()

    output = run("commenter_data", "erase", "mia@example.org")

    assert snapshot() == before
    assert "Anonymised 0 comment(s)" in output


@pytest.mark.parametrize("email", ["", "not-an-email", " "])
def test_the_commands_refuse_what_is_not_an_email(db, email):
    with pytest.raises(CommandError, match="Not an email address"):
        run("commenter_data", "export", email)


# No leaks: hidden comments cannot be read anywhere public


@pytest.fixture
def hidden(clock, post):
    """One approved comment, one of every hidden kind (each with a word no post uses), a reply under spam."""
    approved = make_comment(post, name="Visible", email="visible@example.org", ip_address="192.0.2.50")
    comments = {"approved": approved}
    for number, status in enumerate([PENDING, SPAM, REMOVED], start=1):
        comments[status] = make_comment(
            post,
            name=f"Hidden {status} writer",
            email=f"hidden-{status}@example.org",
            ip_address=f"192.0.2.{number}",
            body=f"Secret {status} text about the quokkaword.",
            status=status,
        )
    comments["reply"] = make_comment(post, parent=comments[SPAM], name="Replier", body="Replying to spam.")
    return comments


def hidden_texts(hidden):
    for status in (PENDING, SPAM, REMOVED):
        yield f"Secret {status} text"
        yield f"Hidden {status} writer"
        yield f"hidden-{status}@example.org"
    yield "visible@example.org"
    yield "192.0.2."


def assert_nothing_hidden(response, hidden):
    body = response.content.decode()
    for text in hidden_texts(hidden):
        assert text not in body, f"{text!r} leaks"


def test_hidden_comments_have_no_permalink(client, hidden):
    for status in (PENDING, SPAM, REMOVED):
        response = client.get(reverse("comments:permalink", args=[hidden[status].pk]))
        assert response.status_code == 404
        assert_nothing_hidden(response, hidden)
    assert client.get(reverse("comments:permalink", args=[hidden["approved"].pk])).status_code == 302


def test_hidden_comments_cannot_be_reported_or_answered(client, post, hidden):
    for status in (PENDING, SPAM, REMOVED):
        pk = hidden[status].pk
        assert client.get(f"{reverse('comments:report')}?comment={pk}").status_code == 404
        reply_page = client.get(f"{post.get_absolute_url()}?replyto={pk}")
        assertNotContains(reply_page, "Replying to <a")
        assert_nothing_hidden(reply_page, hidden)


def test_feeds_carry_no_hidden_comment_email_or_ip(client, post, hidden):
    feeds = [
        reverse("comments:feed"),
        reverse("comments:feed_atom"),
        reverse("comments:post_feed", args=[post.pk]),
        reverse("comments:post_feed_atom", args=[post.pk]),
        reverse("blog:feed"),
        reverse("blog:feed_atom"),
    ]
    for url in feeds:
        response = client.get(url)
        assert response.status_code == 200
        assert_nothing_hidden(response, hidden)
    assertContains(client.get(reverse("comments:feed")), "Replying to spam.")


def test_search_does_not_find_hidden_comments(client, hidden):
    response = client.get(reverse("blog:search"), {"q": "quokkaword"})

    assert response.context["paginator"].count == 0
    assertContains(response, "Nothing matched.")
    assert_nothing_hidden(response, hidden)


def test_the_post_page_shows_approved_text_and_counts_only(client, post, hidden):
    response = client.get(post.get_absolute_url())

    assert_nothing_hidden(response, hidden)
    assertContains(response, PLACEHOLDER, count=1)  # the spam comment, holding its approved reply
    assertContains(response, '<h2 id="comments-title" class="discussion__title">2 comments</h2>', html=True)
    assertContains(client.get("/"), f'<a href="{post.get_absolute_url()}#comments">2 comments</a>', html=True)


def test_thread_pages_and_numbers_count_only_threads_readers_see(client, post, hidden):
    settings = SiteSettings.load()
    settings.comment_threads_per_page = 1
    settings.save()
    # Threads: Visible, pending, spam (shown as a placeholder with its reply), removed, and one more.
    last = make_comment(post, name="Last", body="The last word.")

    first, second = client.get(post.get_absolute_url()), client.get(f"{post.get_absolute_url()}?cpage=2")
    third = client.get(f"{post.get_absolute_url()}?cpage=3")

    assertContains(first, "Comment page 1 of 3")
    assertContains(second, '<ol class="comment-list" start="2">')
    assertContains(second, "Replying to spam.")
    assertContains(third, f'id="comment-{last.pk}"')
    assertContains(third, '<ol class="comment-list" start="3">')
    for page in (first, second, third):
        assert_nothing_hidden(page, hidden)


def test_a_reply_beside_a_hidden_comment_does_not_name_it(client, post):
    settings = SiteSettings.load()
    settings.comment_max_depth = 2
    settings.save()
    root = make_comment(post, name="Root")
    answered = make_comment(post, parent=root, name="Spammer Name")
    beside = make_comment(post, parent=answered, name="Beside", body="An answer beside it.")
    assert beside.in_reply_to == answered
    comment_set_status([answered], SPAM)

    response = client.get(post.get_absolute_url())

    assertContains(response, "An answer beside it.")
    assertNotContains(response, "Spammer Name")
    assertContains(response, "in reply to a removed comment")


def test_export_and_erase_cover_the_email_record_its_subscriptions_earlier_versions_and_mail(post, mia):
    mia_record = Commenter.objects.create(email="mia@example.org", verified_at=T)
    Subscription.objects.create(commenter=mia_record, comment=mia["root"], kind=Subscription.Kind.THREAD)
    MutedPost.objects.create(commenter=mia_record, post=post)
    CommentRevision.objects.create(comment=mia["root"], body="Mia's first draft.", written_at=T)
    mail.send(recipients=["mia@example.org"], sender="site@example.com", subject="A reply", message="Ola replied.")
    ola_record = Commenter.objects.create(email="ola@example.org", verified_at=T)

    data = json.loads(run("commenter_data", "export", "Mia@Example.org"))

    record = data["email_record"]
    assert record["verified"] == T.isoformat().replace("+00:00", "Z")
    assert record["subscriptions"] == [
        {"comment": mia["root"].pk, "kind": "thread", "since": record["subscriptions"][0]["since"]}
    ]
    assert record["muted_posts"] == [post.pk]
    assert data["emails_sent"] == 1
    root = next(comment for comment in data["comments"] if comment["id"] == mia["root"].pk)
    assert [version["text"] for version in root["earlier_versions"]] == ["Mia's first draft."]

    output = run("commenter_data", "erase", "mia@example.org", "--remove-text")

    assert "Deleted the email record, its subscriptions and 1 logged email(s) to it." in output
    assert not Commenter.objects.filter(email="mia@example.org").exists()
    assert not Subscription.objects.exists() and not MutedPost.objects.exists()
    assert not CommentRevision.objects.exists()
    assert not Email.objects.exists()
    assert Commenter.objects.get() == ola_record
