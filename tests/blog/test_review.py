"""Editorial review: Authors submit posts, Editors publish them or return them with a note."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from authors.roles import AUTHORS, MODERATORS
from blog.models import Post
from tests.admin_forms import change_url, post_form
from tests.factories import AuthorFactory, PostFactory, UserFactory

ADD = reverse("admin:blog_post_add")


def return_url(post):
    return reverse("admin:blog_post_return", args=[post.pk])


@pytest.fixture
def pending(writer):
    return PostFactory(title="Almost there", authors=[writer.author], status=Post.Status.PENDING, published_at=None)


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# Submitting


def test_an_author_submits_a_post_for_review_with_the_button(client, writer):
    post = PostFactory(authors=[writer.author], status=Post.Status.DRAFT, published_at=None)
    client.force_login(writer)
    assert 'name="_submit_for_review"' in client.get(change_url(post)).content.decode()

    response = client.post(change_url(post), post_form(post, _submit_for_review="Submit for review"))

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.PENDING
    assert not post.is_public
    assert any(message.startswith("Submitted for review") for message in messages_of(response))


def test_an_author_submits_a_new_post_for_review(client, writer):
    client.force_login(writer)
    assert 'name="_submit_for_review"' in client.get(ADD).content.decode()

    response = client.post(ADD, post_form(Post(title="Fresh", slug="fresh"), _submit_for_review="1"))

    assert response.status_code == 302
    assert Post.objects.get(slug="fresh").status == Post.Status.PENDING


def test_an_author_may_also_choose_pending_review_as_the_status(client, writer):
    post = PostFactory(authors=[writer.author], status=Post.Status.DRAFT, published_at=None)
    client.force_login(writer)

    assert client.post(change_url(post), post_form(post, status=Post.Status.PENDING)).status_code == 302

    post.refresh_from_db()
    assert post.status == Post.Status.PENDING


def test_the_button_is_for_authors_drafts_only(client, writer, editor):
    published = PostFactory(authors=[writer.author])
    draft = PostFactory(status=Post.Status.DRAFT, published_at=None)

    client.force_login(writer)
    assert "_submit_for_review" not in client.get(change_url(published)).content.decode()
    client.force_login(editor)  # Editors publish, or return: nobody reviews them
    assert "_submit_for_review" not in client.get(change_url(draft)).content.decode()


# The "Return to author…" link


def test_editors_see_the_return_link_on_pending_posts_only(client, editor, pending):
    draft = PostFactory(status=Post.Status.DRAFT, published_at=None)
    client.force_login(editor)

    assert f'href="{return_url(pending)}"' in client.get(change_url(pending)).content.decode()
    assert "Return to author" not in client.get(change_url(draft)).content.decode()


def test_authors_do_not_see_the_return_link(client, writer, pending):
    client.force_login(writer)

    assert "Return to author" not in client.get(change_url(pending)).content.decode()


# Returning a post


def test_the_return_form_says_who_will_be_emailed(client, editor, writer, pending):
    client.force_login(editor)

    response = client.get(return_url(pending))

    assert response.status_code == 200
    content = response.content.decode()
    assert '<textarea name="note"' in content
    assert writer.email in content
    assert "csrfmiddlewaretoken" in content


def test_an_editor_returns_a_post_with_a_note(client, editor, writer, pending):
    guest = AuthorFactory(name="Guest, no login")
    co_author = AuthorFactory(user=UserFactory(email="grace@example.com"))
    pending.postauthor_set.create(author=guest, order=1)
    pending.postauthor_set.create(author=co_author, order=2)
    client.force_login(editor)
    note = "The second section needs a source.\nAnd a <em>better</em> title."

    response = client.post(return_url(pending), {"note": note})

    assert response.status_code == 302
    assert response.url == reverse("admin:blog_post_changelist") + "?state=pending"
    pending.refresh_from_db()
    assert (pending.status, pending.review_note) == (Post.Status.DRAFT, note)
    [message] = messages_of(response)
    assert message == f"“Almost there” is back in draft with your note, emailed to {writer.email}, grace@example.com."
    # In the admin's history, and a revision like every other save.
    entry = LogEntry.objects.get(object_id=str(pending.pk), action_flag=CHANGE)
    assert (entry.user, entry.get_change_message()) == (editor, "Returned to the author with a note.")
    assert Version.objects.get_for_object(pending).first().revision.comment == "Returned to the author with a note."
    # One email to each author with a login, none to the guest.
    assert sorted(email.to[0] for email in mail.outbox) == sorted([writer.email, "grace@example.com"])
    email = mail.outbox[0]
    assert email.subject == "“Almost there” was returned to you with a note"
    assert note in email.body
    assert f"https://colloquy.example{change_url(pending)}" in email.body


def test_the_history_page_shows_the_return(client, editor, pending):
    client.force_login(editor)
    client.post(return_url(pending), {"note": "Shorter, please."})

    history = client.get(reverse("admin:blog_post_history", args=[pending.pk]))

    assert "Returned to the author with a note." in history.content.decode()


def test_a_post_whose_authors_have_no_email_is_still_returned(client, editor):
    post = PostFactory(authors=[AuthorFactory()], status=Post.Status.PENDING, published_at=None)
    client.force_login(editor)

    response = client.post(return_url(post), {"note": "Not yet."})

    assert response.status_code == 302
    assert "no author has an email" in messages_of(response)[0]
    assert mail.outbox == []
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT


def test_a_failed_email_keeps_the_return_and_says_so(client, editor, pending, settings):
    # A real SMTP connection to a port where nothing listens.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    client.force_login(editor)

    response = client.post(return_url(pending), {"note": "Not yet."})

    assert response.status_code == 302
    assert "the email to its authors failed" in messages_of(response)[0]
    pending.refresh_from_db()
    assert (pending.status, pending.review_note) == (Post.Status.DRAFT, "Not yet.")


@pytest.mark.parametrize("note", ["", "   ", "x" * 5001])
def test_a_return_needs_a_sensible_note(client, editor, pending, note):
    client.force_login(editor)

    response = client.post(return_url(pending), {"note": note})

    assert response.status_code == 200
    assert response.context["form"].errors["note"]
    assert "errorlist" in response.content.decode()
    pending.refresh_from_db()
    assert (pending.status, pending.review_note) == (Post.Status.PENDING, "")
    assert mail.outbox == []


def test_the_note_is_escaped_on_the_page(client, editor, writer, pending):
    client.force_login(editor)
    client.post(return_url(pending), {"note": "<script>alert(1)</script>"})
    client.force_login(writer)

    content = client.get(change_url(pending)).content.decode()

    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_returning_needs_a_csrf_token(editor, pending):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)

    assert client.post(return_url(pending), {"note": "Forged"}).status_code == 403

    pending.refresh_from_db()
    assert pending.status == Post.Status.PENDING


def test_only_a_pending_post_can_be_returned(client, editor):
    post = PostFactory()
    client.force_login(editor)

    response = client.post(return_url(post), {"note": "Too late"})

    assert response.status_code == 302
    assert response.url == change_url(post)
    assert "Only a post pending review" in messages_of(response)[0]
    post.refresh_from_db()
    assert (post.status, post.review_note) == (Post.Status.PUBLISHED, "")


def test_returning_a_missing_post_is_a_404(client, editor):
    client.force_login(editor)

    assert client.get(reverse("admin:blog_post_return", args=[987654])).status_code == 404


@pytest.mark.parametrize("role", [AUTHORS, MODERATORS])
def test_only_editors_return_posts(client, staff, role, pending):
    user = staff(role)
    if role == AUTHORS:
        pending.postauthor_set.create(author=AuthorFactory(user=user), order=1)  # even their own
    client.force_login(user)

    assert client.get(return_url(pending)).status_code == 403
    assert client.post(return_url(pending), {"note": "Mine to judge"}).status_code == 403

    pending.refresh_from_db()
    assert (pending.status, pending.review_note) == (Post.Status.PENDING, "")
    assert mail.outbox == []


def test_signed_out_visitors_are_sent_to_the_login(client, pending):
    response = client.post(return_url(pending), {"note": "Hi"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


# The note, for the Author


def test_the_author_reads_the_note_at_the_top_of_the_form(client, writer):
    post = PostFactory(
        authors=[writer.author], status=Post.Status.DRAFT, published_at=None, review_note="Cite your sources."
    )
    client.force_login(writer)

    response = client.get(change_url(post))

    fieldsets = [fieldset.name for fieldset in response.context["adminform"]]
    assert fieldsets[0] == "Note from the editor"
    assert "Cite your sources." in response.content.decode()
    assert 'name="review_note"' not in response.content.decode()  # read-only for Authors


def test_authors_cannot_write_the_note_and_saving_keeps_it(client, writer):
    post = PostFactory(authors=[writer.author], status=Post.Status.DRAFT, published_at=None, review_note="Fix it.")
    client.force_login(writer)

    response = client.post(change_url(post), post_form(post, review_note="Looks great!", title="Fixed"))

    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.title, post.review_note) == ("Fixed", "Fix it.")


def test_authors_see_no_empty_note_field(client, writer):
    post = PostFactory(authors=[writer.author], status=Post.Status.DRAFT, published_at=None)
    client.force_login(writer)

    response = client.get(change_url(post))

    assert "Note from the editor" not in response.content.decode()


def test_editors_write_the_note_in_the_form(client, editor):
    post = PostFactory(status=Post.Status.PENDING, published_at=None)
    client.force_login(editor)
    assert '<textarea name="review_note"' in client.get(change_url(post)).content.decode()

    response = client.post(change_url(post), post_form(post, review_note="One more pass."))

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.review_note == "One more pass."


def test_publishing_clears_the_note(client, writer):
    post = PostFactory(authors=[writer.author], status=Post.Status.DRAFT, published_at=None, review_note="Fix it.")
    client.force_login(writer)

    response = client.post(change_url(post), post_form(post, status=Post.Status.PUBLISHED))

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.is_public
    assert post.review_note == ""


def test_resubmitting_keeps_the_note_for_the_editor(client, writer):
    post = PostFactory(authors=[writer.author], status=Post.Status.DRAFT, published_at=None, review_note="Fix it.")
    client.force_login(writer)

    client.post(change_url(post), post_form(post, _submit_for_review="1"))

    post.refresh_from_db()
    assert (post.status, post.review_note) == (Post.Status.PENDING, "Fix it.")


def test_publishing_with_the_action_clears_the_note(client, editor):
    post = PostFactory(status=Post.Status.PENDING, published_at=None, review_note="Fix it.")
    client.force_login(editor)

    client.post(reverse("admin:blog_post_changelist"), {"action": "publish_now", "_selected_action": [post.pk]})

    post.refresh_from_db()
    assert (post.is_public, post.review_note) == (True, "")


def test_the_changelist_says_which_drafts_were_returned(client, editor):
    PostFactory(status=Post.Status.DRAFT, published_at=None, review_note="Fix it.")
    client.force_login(editor)

    assert "Draft, returned with a note" in client.get(reverse("admin:blog_post_changelist")).content.decode()
