"""The editor's desk in a real browser: write a post with pictures, preview it, share the
draft with someone who has no login, schedule it, and see it go live by itself at its time."""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from blog.models import Post, PostImage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Gulls at the Quay"


def picture(tmp_path, name, colour):
    path = tmp_path / name
    Image.new("RGB", (1200, 800), colour).save(path, format="JPEG")
    return path


def save_and_continue(page):
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("successfully")


def test_an_editor_writes_previews_shares_and_schedules_a_post(live_server, page, browser, editor, log_in, tmp_path):
    log_in(page)

    # Write: title, Markdown body, a featured image and a picture for the body, each with alt text.
    page.goto(f"{live_server.url}/admin/blog/post/add/")
    page.get_by_label("Title:").press_sequentially(TITLE)
    expect(page.get_by_label("Slug:")).to_have_value("gulls-at-the-quay")
    page.get_by_label("Body:").fill("The *gulls* wait for the boats.\n\n## At dawn\n\nThey are loud.")
    page.get_by_label("Featured image:").set_input_files(picture(tmp_path, "quay.jpg", (40, 90, 140)))
    page.get_by_label("Featured image alt text:").fill("A stone quay at dawn")
    page.locator("#images-group").get_by_role("button", name=re.compile("Add another")).click()
    page.locator("#id_images-0-image").set_input_files(picture(tmp_path, "gulls.jpg", (200, 200, 190)))
    page.locator("#id_images-0-alt").fill("Three gulls on a bollard")
    save_and_continue(page)

    post = Post.objects.get(slug="gulls-at-the-quay")
    body_image = PostImage.objects.get(post=post)
    assert (post.status, post.featured_image_width, body_image.width) == (Post.Status.DRAFT, 1200, 1200)
    assert [author.name for author in post.authors.all()] == ["Edna Editor"]

    # Place the body picture with the Markdown its inline shows, and save again.
    body = page.get_by_label("Body:")
    body.fill(f"{body.input_value()}\n\n{body_image.markdown}")
    save_and_continue(page)

    # Preview: the public template, before publishing.
    with page.context.expect_page() as opened:
        page.locator(".field-preview_link").get_by_role("link", name="Preview", exact=True).click()
    preview = opened.value
    expect(preview.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(preview.locator(".preview-banner")).to_contain_text("Preview: Draft")
    expect(preview.get_by_role("img", name="A stone quay at dawn")).to_be_visible()
    expect(preview.get_by_role("img", name="Three gulls on a bollard")).to_have_attribute("srcset", re.compile("w"))
    preview.close()

    # Share: the link opens in a browser with no login, and gives it none.
    share_url = page.locator(".field-preview_link input").input_value()
    assert share_url.startswith(f"{settings.SITE_URL}/preview/share/")
    share_url = share_url.replace(settings.SITE_URL, live_server.url)
    guest_context = browser.new_context()
    guest = guest_context.new_page()
    guest.goto(share_url)
    expect(guest.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(guest.locator(".preview-banner")).to_contain_text("This preview link expires on")
    expect(guest.get_by_role("img", name="Three gulls on a bollard")).to_be_visible()
    expect(guest.locator("#comments")).to_have_count(0)
    expect(guest.locator("form.comment-form")).to_have_count(0)
    assert guest_context.cookies() == []
    guest.goto(f"{live_server.url}/preview/{post.pk}/")
    expect(guest).to_have_url(re.compile(r"/admin/login/"))

    # The discussion setting shows its days only for "Closed after N days".
    days_row = page.locator(".form-row.field-discussion_close_after_days")
    expect(days_row).to_be_hidden()
    page.get_by_label("Discussion:").select_option("close_after")
    expect(days_row).to_be_visible()
    page.get_by_label("Discussion:").select_option("open")
    expect(days_row).to_be_hidden()

    # Schedule it two hours ahead, in the site's time zone.
    go_live = timezone.localtime() + datetime.timedelta(hours=2)
    page.get_by_label("Status:").select_option("published")
    page.locator("#id_published_at_0").fill(go_live.strftime("%Y-%m-%d"))
    page.locator("#id_published_at_1").fill(go_live.strftime("%H:%M:%S"))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#result_list")).to_contain_text("Scheduled for")
    post.refresh_from_db()
    assert post.is_scheduled and post.discussion == Post.Discussion.OPEN

    # Not on the home page yet; the share link still shows the draft.
    guest.goto(live_server.url)
    expect(guest.get_by_role("link", name=TITLE)).to_have_count(0)
    guest.goto(share_url)
    expect(guest.locator(".preview-banner")).to_contain_text("it goes live on")

    # Past its time it is on the home page by itself, and the share link leads to it.
    with time_machine.travel(go_live + datetime.timedelta(minutes=1), tick=True):
        guest.goto(live_server.url)
        guest.get_by_role("link", name=TITLE).click()
        expect(guest.get_by_role("heading", level=1)).to_have_text(TITLE)
        expect(guest.locator(".preview-banner")).to_have_count(0)
        expect(guest.get_by_role("img", name="Three gulls on a bollard")).to_be_visible()
        guest.goto(share_url)
        expect(guest).to_have_url(f"{live_server.url}{post.get_absolute_url()}")
    guest_context.close()
