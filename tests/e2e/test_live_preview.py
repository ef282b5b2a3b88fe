"""An editor writes in the admin's post form and watches the preview beside the body follow along:
rendered as the public page will render it, with the word count and reading time."""

import pytest
from playwright.sync_api import expect

from blog.models import Post

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def word_count(body):
    """The count the page will show, by the post's own rule."""
    post = Post(body=body)
    post.render_body()
    return post.word_count


def test_the_preview_follows_the_body_as_an_editor_types(page, editor, log_in):
    problems = []  # CSP violations and preview requests that failed
    page.on("console", lambda message: "Content Security Policy" in message.text and problems.append(message.text))
    page.on(
        "response",
        lambda response: "markdown-preview" in response.url and not response.ok and problems.append(response),
    )
    log_in(page, next_url="/admin/blog/post/add/")

    preview = page.get_by_role("region", name="Preview")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text("0 words · 1 minute to read")

    body = "# Harbour lights\n\nThe *boats* come home.[^1]\n\n[^1]: At dusk."
    page.get_by_label("Body:").press_sequentially(body)

    expect(preview.get_by_role("heading", name="Harbour lights", level=2)).to_be_visible()
    expect(preview.locator("em")).to_have_text("boats")
    expect(preview.locator(".footnote")).to_contain_text("At dusk.")
    expect(preview.get_by_role("link", name="Link to the section “Harbour lights”")).to_have_attribute(
        "href", "#harbour-lights"
    )
    expect(preview).to_contain_text(f"{word_count(body)} words · 1 minute to read")

    page.get_by_label("Body:").fill("<script>window.hacked = true</script>Just **this**.")
    expect(preview.locator("strong")).to_have_text("this")
    expect(preview).to_contain_text("2 words · 1 minute to read")
    assert page.evaluate("window.hacked") is None
    assert problems == []
