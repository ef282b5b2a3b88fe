"""The post editor's live preview endpoint: who may use it, CSRF, and that it renders exactly as the page does."""

import pytest
from django.test import Client
from django.urls import reverse

from authors.roles import MODERATORS
from blog.models import WORDS_PER_MINUTE, Post
from tests.factories import PostFactory
from tests.images import add_image, with_body

pytestmark = pytest.mark.django_db

PREVIEW = reverse("admin:blog_post_markdown_preview")
BODY = "# A title\n\nSome *Markdown*.[^1]\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[^1]: A note."


@pytest.fixture
def editor(client, editor):
    """Signed in: most tests here preview as the editor."""
    client.force_login(editor)
    return editor


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.post(PREVIEW, {"body": "Hello"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_staff_who_cannot_write_posts_are_refused(client, staff):
    client.force_login(staff(MODERATORS))

    assert client.post(PREVIEW, {"body": "Hello"}).status_code == 403


def test_only_post_is_allowed(client, editor):
    assert client.get(PREVIEW).status_code == 405


def test_csrf_is_enforced(editor):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)

    assert browser.post(PREVIEW, {"body": "Hello"}).status_code == 403

    browser.get(reverse("admin:blog_post_add"))  # sets the CSRF cookie, as opening the form does
    token = browser.cookies["csrftoken"].value
    response = browser.post(PREVIEW, {"body": "Hello"}, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.json()["html"] == "<p>Hello</p>"


def test_the_preview_is_what_the_public_page_will_show(client, editor):
    response = client.post(PREVIEW, {"body": BODY, "body_format": "markdown"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["html"] == PostFactory(body=BODY).body_html


def test_html_bodies_preview_as_html(client, editor):
    body = "<p>*not emphasis*</p>"

    assert client.post(PREVIEW, {"body": body, "body_format": "html"}).json()["html"] == body


def test_the_preview_is_sanitised(client, editor):
    body = (
        "<script>alert(1)</script>\n\n"
        '<p onclick="steal()">Click</p>\n\n'
        "[bad](javascript:alert(2))\n\n"
        '<img src="/x.png" onerror="steal()" alt="x">'
    )

    html = client.post(PREVIEW, {"body": body}).json()["html"]

    for forbidden in ("<script", "alert(", "onclick", "onerror", "steal()", "javascript:"):
        assert forbidden not in html
    assert "Click" in html


def test_word_count_and_reading_time_follow_the_posts_own_rule(client, editor):
    body = " ".join(["word"] * (WORDS_PER_MINUTE + 1)) + "\n\n**bold** [link](https://example.com/)"

    result = client.post(PREVIEW, {"body": body}).json()

    post = PostFactory(body=body)
    assert (result["word_count"], result["reading_minutes"]) == (post.word_count, post.reading_minutes)
    assert (result["word_count"], result["reading_minutes"]) == (WORDS_PER_MINUTE + 3, 2)
    assert result["summary"] == f"{WORDS_PER_MINUTE + 3} words · 2 minutes to read"


def test_an_empty_body_previews_as_nothing(client, editor):
    result = client.post(PREVIEW, {"body": ""}).json()

    assert (result["html"], result["word_count"], result["reading_minutes"]) == ("", 0, 1)
    assert result["summary"] == "0 words · 1 minute to read"


def test_bad_input_is_a_clear_error_not_a_crash(client, editor):
    response = client.post(PREVIEW, {"body": "x", "body_format": "word", "post": "abc"})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"body_format", "post"}


def test_images_of_a_post_the_user_may_edit_resolve(client, writer):
    post = PostFactory(authors=[writer.author], status=Post.Status.DRAFT, published_at=None)
    image = add_image(post)
    body = f"![](image:{image.pk})"
    client.force_login(writer)

    html = client.post(PREVIEW, {"body": body, "post": post.pk}).json()["html"]

    assert html == with_body(post, body).body_html
    assert f"{image.image.url} 1200w" in html


def test_an_author_cannot_preview_another_authors_images(client, writer):
    other = PostFactory(status=Post.Status.DRAFT, published_at=None)
    image = add_image(other)
    client.force_login(writer)

    html = client.post(PREVIEW, {"body": f"Hi ![](image:{image.pk})", "post": other.pk}).json()["html"]

    assert "<img" not in html
    assert image.image.name not in html
    assert html == "<p>Hi </p>"


def test_an_editor_previews_anyones_images(client, editor):
    post = PostFactory()
    image = add_image(post)

    html = client.post(PREVIEW, {"body": f"![](image:{image.pk})", "post": post.pk}).json()["html"]

    assert f"{image.image.url} 1200w" in html


def test_the_preview_pane_is_on_the_post_form(client, editor):
    post = PostFactory()

    add_page = client.get(reverse("admin:blog_post_add")).content.decode()
    change_page = client.get(reverse("admin:blog_post_change", args=[post.pk])).content.decode()

    assert f'data-url="{PREVIEW}" data-post=""' in add_page
    assert f'data-url="{PREVIEW}" data-post="{post.pk}"' in change_page
    assert "css/admin/editor.css" in add_page


def test_the_preview_makes_a_fixed_number_of_queries(client, editor, django_assert_num_queries):
    post = PostFactory()
    add_image(post)
    add_image(post)
    body = "".join(f"![](image:{image.pk})\n\n" for image in post.images.all())

    # session, user, second-factor device, user and group permissions; then the post and its images
    with django_assert_num_queries(7):
        client.post(PREVIEW, {"body": body, "post": post.pk})
