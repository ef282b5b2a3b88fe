import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authors.roles import AUTHORS, EDITORS, MODERATORS
from comments.models import Comment, CommentReport
from comments.trees import tree_errors
from tests.factories import PostFactory, make_comment

CHANGELIST = reverse("admin:comments_comment_changelist")
Status = Comment.Status


def change_url(comment):
    return reverse("admin:comments_comment_change", args=[comment.pk])


def act(client, action, *comments):
    """Run a changelist action on some comments."""
    return client.post(CHANGELIST, {"action": action, "_selected_action": [comment.pk for comment in comments]})


def listed(response):
    return list(response.context["cl"].result_list)


def report(comment, number, reason=CommentReport.Reason.SPAM):
    return CommentReport.objects.create(
        comment=comment, reason=reason, ip_address=f"198.51.100.{number}", reporter=f"reader-{number}"
    )


@pytest.fixture
def moderator(staff):
    return staff(MODERATORS)


@pytest.fixture
def post(db):
    return PostFactory(title="On listening")


# The list


def test_the_list_shows_each_comment_with_its_post_parent_reasons_reports_and_email(client, moderator, post):
    question = make_comment(post, name="Karl", body="Does anyone read footnotes?", email="karl@example.com")
    held = make_comment(
        post,
        parent=question,
        status=Status.PENDING,
        name="Eugene",
        email="eugene@example.com",
        body="Only the long ones.",
        ip_address="203.0.113.9",
        hold_reasons=[Comment.HoldReason.FIRST_COMMENT],
    )
    for number in range(2):
        report(held, number)
    client.force_login(moderator)

    response = client.get(CHANGELIST)

    assert response.status_code == 200
    rows = {comment.pk: comment for comment in listed(response)}
    assert rows[held.pk].report_count == 2
    assert rows[question.pk].report_count == 0
    content = response.content.decode()
    assert "eugene@example.com" in content
    assert "203.0.113.9" in content
    assert "On listening" in content
    assert f'href="{post.get_absolute_url()}"' in content
    assert "Karl</a>: Does anyone read footnotes?" in content
    assert "First comment from this email" in content
    assert "↳ Only the long ones." in content


def test_the_status_filter_counts_each_status_with_pending_first(client, moderator, post):
    for status, count in [(Status.PENDING, 3), (Status.APPROVED, 2), (Status.SPAM, 1)]:
        for _ in range(count):
            make_comment(post, status=status)
    client.force_login(moderator)

    response = client.get(CHANGELIST)

    status_filter = next(spec for spec in response.context["cl"].filter_specs if spec.title == "status")
    labels = [choice["display"] for choice in status_filter.choices(response.context["cl"])]
    assert labels == ["All", "Pending (3)", "Approved (2)", "Spam (1)", "Removed (0)"]
    assert len(listed(response)) == 6  # everything by default
    pending = client.get(CHANGELIST, {"status__exact": "pending"})
    assert {comment.status for comment in listed(pending)} == {Status.PENDING}


@pytest.mark.parametrize("term", ["Matilda", "tilda@example.org", "192.0.2.44", "marmalade"])
def test_search_finds_comments_by_name_email_ip_or_text(client, moderator, post, term):
    wanted = make_comment(
        post, name="Matilda", email="tilda@example.org", ip_address="192.0.2.44", body="Orange marmalade."
    )
    make_comment(post, name="Other", email="other@example.com", ip_address="198.51.100.1", body="Toast.")
    client.force_login(moderator)

    assert listed(client.get(CHANGELIST, {"q": term})) == [wanted]


def test_the_list_shows_the_comments_of_one_post(client, moderator, post):
    own = make_comment(post)
    make_comment(PostFactory())
    client.force_login(moderator)

    assert listed(client.get(CHANGELIST, {"post__id__exact": post.pk})) == [own]


def test_the_list_takes_a_fixed_number_of_queries(client, moderator):
    client.force_login(moderator)

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(CHANGELIST).status_code == 200
        return len(queries)

    def add_threads(count):
        for _ in range(count):
            post = PostFactory()
            root = make_comment(post, status=Status.PENDING, hold_reasons=[Comment.HoldReason.FIRST_COMMENT])
            reply = make_comment(post, parent=root)
            report(reply, 1)

    count_queries()  # the first request also creates the site settings record and caches it
    add_threads(5)
    with_five = count_queries()
    add_threads(25)

    assert count_queries() == with_five


# Actions


@pytest.mark.parametrize(
    ("action", "before", "after"),
    [
        ("approve", Status.PENDING, Status.APPROVED),
        ("mark_spam", Status.APPROVED, Status.SPAM),
        ("remove", Status.APPROVED, Status.REMOVED),
        ("restore", Status.REMOVED, Status.APPROVED),
        ("restore", Status.SPAM, Status.APPROVED),
    ],
)
def test_each_action_moderates_the_selected_comments(client, moderator, post, action, before, after):
    comments = [make_comment(post, status=before) for _ in range(2)]
    untouched = make_comment(post, status=before)
    client.force_login(moderator)

    assert act(client, action, *comments).status_code == 302

    for comment in comments:
        comment.refresh_from_db()
        assert (comment.status, comment.moderated_by) == (after, moderator)
        assert comment.moderated_at is not None
    assert Comment.objects.get(pk=untouched.pk).status == before
    post.refresh_from_db()
    assert post.comment_count == Comment.objects.filter(post=post, status=Status.APPROVED).count()


def test_restore_leaves_pending_comments_pending(client, moderator, post):
    pending = make_comment(post, status=Status.PENDING)
    client.force_login(moderator)

    act(client, "restore", pending)

    assert Comment.objects.get(pk=pending.pk).status == Status.PENDING


def test_approving_clears_the_reasons_it_was_held(client, moderator, post):
    held = make_comment(post, status=Status.PENDING, hold_reasons=[Comment.HoldReason.REPORTED])
    client.force_login(moderator)

    act(client, "approve", held)

    assert Comment.objects.get(pk=held.pk).hold_reasons == []


def test_comments_cannot_be_added_or_deleted_in_the_admin_even_by_a_superuser(admin_client, post):
    client = admin_client
    comment = make_comment(post)
    make_comment(post, parent=comment)

    actions = [value for value, _label in client.get(CHANGELIST).context["action_form"].fields["action"].choices]
    assert actions == ["", "approve", "mark_spam", "remove", "restore"]
    response = client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [comment.pk], "post": "yes"}, follow=True
    )
    assert "No action selected." in response.content.decode()
    assert client.post(reverse("admin:comments_comment_delete", args=[comment.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:comments_comment_add")).status_code == 403
    assert Comment.objects.count() == 2


def test_the_change_page_shows_the_comment_read_only_with_its_reports(client, moderator, post):
    comment = make_comment(post, name="Karl", body="Original words.", user_agent="Lynx/2.9")
    report(comment, 1, reason=CommentReport.Reason.ABUSE)
    client.force_login(moderator)

    response = client.get(change_url(comment))

    assert response.status_code == 200
    assert response.context["adminform"].form.fields == {}
    content = response.content.decode()
    assert "Lynx/2.9" in content
    assert "Abusive or harassing" in content
    assert 'name="_save"' not in content
    # A forged save changes nothing.
    forged = {"body": "Defaced", "status": "spam", "reports-TOTAL_FORMS": 1, "reports-INITIAL_FORMS": 1}
    forged |= {"revisions-TOTAL_FORMS": 0, "revisions-INITIAL_FORMS": 0}
    assert client.post(change_url(comment), forged).status_code == 302
    comment.refresh_from_db()
    assert (comment.body, comment.status) == ("Original words.", Status.APPROVED)


def test_the_buttons_on_a_comment_change_its_status(client, moderator, post):
    comment = make_comment(post, status=Status.PENDING)
    client.force_login(moderator)
    status_url = reverse("admin:comments_comment_status", args=[comment.pk])
    assert f'formaction="{status_url}"' in client.get(change_url(comment)).content.decode()

    response = client.post(status_url, {"status": "spam"})

    assert response.status_code == 302
    assert response.url == change_url(comment)
    comment.refresh_from_db()
    assert (comment.status, comment.moderated_by) == (Status.SPAM, moderator)
    assert client.post(status_url, {"status": "deleted"}).status_code == 400


# Replies


def test_a_moderator_replies_from_a_comments_page(client, moderator, post):
    comment = make_comment(post, name="Karl")
    client.force_login(moderator)

    response = client.post(reverse("admin:comments_comment_reply", args=[comment.pk]), {"body": "Thanks, Karl."})

    assert response.status_code == 302
    assert response.url == change_url(comment)
    reply = Comment.objects.get(parent=comment)
    assert (reply.body, reply.status, reply.badge, reply.user) == (
        "Thanks, Karl.",
        Status.APPROVED,
        Comment.Badge.MODERATOR,
        moderator,
    )
    post.refresh_from_db()
    assert post.comment_count == 2
    assert tree_errors(Comment.objects.all()) == []


def test_approve_and_reply_is_one_step(client, moderator, post):
    earlier = make_comment(post)
    held = make_comment(post, parent=earlier, status=Status.PENDING, hold_reasons=[Comment.HoldReason.FIRST_COMMENT])
    make_comment(post)
    client.force_login(moderator)
    assert "Approve and reply" in client.get(change_url(held)).content.decode()

    response = client.post(
        reverse("admin:comments_comment_reply", args=[held.pk]), {"body": "Welcome!", "_approve": "1"}
    )

    assert response.status_code == 302
    held.refresh_from_db()
    assert (held.status, held.moderated_by, held.hold_reasons) == (Status.APPROVED, moderator, [])
    reply = Comment.objects.get(parent=held)
    assert (reply.status, reply.badge) == (Status.APPROVED, Comment.Badge.MODERATOR)
    post.refresh_from_db()
    assert post.comment_count == 4
    assert tree_errors(Comment.objects.all()) == []


def test_a_plain_reply_leaves_a_pending_comment_pending(client, moderator, post):
    held = make_comment(post, status=Status.PENDING)
    client.force_login(moderator)

    client.post(reverse("admin:comments_comment_reply", args=[held.pk]), {"body": "Noted."})

    assert Comment.objects.get(pk=held.pk).status == Status.PENDING
    assert Comment.objects.get(parent=held).status == Status.APPROVED


def test_an_empty_reply_is_refused(client, moderator, post):
    comment = make_comment(post)
    client.force_login(moderator)

    response = client.post(reverse("admin:comments_comment_reply", args=[comment.pk]), {"body": " "}, follow=True)

    assert "Write a reply first." in response.content.decode()
    assert Comment.objects.count() == 1


def test_replying_needs_a_post_request(client, moderator, post):
    comment = make_comment(post)
    client.force_login(moderator)

    assert client.get(reverse("admin:comments_comment_reply", args=[comment.pk])).status_code == 405


# The admin index


def test_the_admin_index_shows_how_many_comments_await_moderation(client, moderator, post):
    for _ in range(3):
        make_comment(post, status=Status.PENDING)
    make_comment(post)
    client.force_login(moderator)

    content = client.get(reverse("admin:index")).content.decode()

    assert "3 comments awaiting moderation" in content
    assert f'href="{CHANGELIST}?status__exact=pending"' in content


def test_the_admin_index_shows_moderators_only_the_comments_and_bans(client, moderator):
    client.force_login(moderator)

    app_list = client.get(reverse("admin:index")).context["app_list"]

    assert [[model["object_name"] for model in app["models"]] for app in app_list] == [["Ban", "Comment"]]


def test_authors_do_not_see_the_moderation_count(client, staff):
    client.force_login(staff(AUTHORS))

    assert "awaiting moderation" not in client.get(reverse("admin:index")).content.decode()


# Who may moderate


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:blog_post_changelist"),
        reverse("admin:authors_author_changelist"),
        reverse("admin:blog_category_changelist"),
        reverse("admin:blog_tag_changelist"),
        reverse("admin:blog_sitesettings_changelist"),
        reverse("admin:authors_user_changelist"),
    ],
)
def test_moderators_cannot_open_anything_but_comments(client, moderator, url):
    client.force_login(moderator)

    assert client.get(url).status_code == 403


def test_authors_cannot_moderate(client, staff, post):
    comment = make_comment(post, status=Status.PENDING)
    client.force_login(staff(AUTHORS))

    assert client.get(CHANGELIST).status_code == 403
    assert client.get(change_url(comment)).status_code == 403
    assert act(client, "approve", comment).status_code == 403
    assert client.post(reverse("admin:comments_comment_reply", args=[comment.pk]), {"body": "Hi"}).status_code == 403
    status_url = reverse("admin:comments_comment_status", args=[comment.pk])
    assert client.post(status_url, {"status": "approved"}).status_code == 403
    assert Comment.objects.get(pk=comment.pk).status == Status.PENDING
    assert Comment.objects.count() == 1


def test_editors_moderate_and_reply(client, staff, post):
    editor = staff(EDITORS)
    comment = make_comment(post, status=Status.PENDING)
    client.force_login(editor)

    assert listed(client.get(CHANGELIST)) == [comment]
    act(client, "approve", comment)
    client.post(reverse("admin:comments_comment_reply", args=[comment.pk]), {"body": "Agreed."})

    assert Comment.objects.get(pk=comment.pk).status == Status.APPROVED
    assert Comment.objects.get(parent=comment).badge == Comment.Badge.MODERATOR
