"""An editor's journey in a real browser: log in from the footer, write a post with an
image, schedule it, and see it go live by itself when its time comes."""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from blog.models import Post
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "harbour.jpg"
    Image.new("RGB", (1200, 800), (40, 90, 140)).save(path, format="JPEG")
    return path


def test_editor_schedules_a_post_with_an_image_and_it_goes_live_on_time(live_server, page, editor, photo):
    page.goto(live_server.url)
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("edna")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/")  # back where they started

    page.goto(f"{live_server.url}/admin/blog/post/add/")
    page.get_by_label("Title:").press_sequentially("Harbour Lights")
    expect(page.get_by_label("Slug:")).to_have_value("harbour-lights")  # prepopulated
    page.get_by_label("Body:").fill("The *harbour* at dusk.\n\n## Boats\n\nMany of them.")
    page.get_by_label("Featured image:").set_input_files(photo)
    page.get_by_label("Featured image alt text:").fill("Boats moored in a blue harbour")
    page.get_by_label("Status:").select_option("published")
    go_live = timezone.localtime() + datetime.timedelta(hours=2)
    page.locator("#id_published_at_0").fill(go_live.strftime("%Y-%m-%d"))
    page.locator("#id_published_at_1").fill(go_live.strftime("%H:%M:%S"))
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    expect(page.locator("#result_list")).to_contain_text("Scheduled for")
    post = Post.objects.get(slug="harbour-lights")
    assert post.is_scheduled and [author.name for author in post.authors.all()] == ["Edna Editor"]
    assert post.featured_image_width == 1200

    # Readers cannot see it yet, anywhere.
    reader = page.context.browser.new_page()
    reader.goto(live_server.url)
    expect(reader.get_by_role("link", name="Harbour Lights")).to_have_count(0)
    assert reader.goto(f"{live_server.url}{post.get_absolute_url()}").status == 404

    # Two hours later it is on the home page by itself, image and all.
    with time_machine.travel(go_live + datetime.timedelta(minutes=1), tick=True):
        reader.goto(live_server.url)
        reader.get_by_role("link", name="Harbour Lights").click()
        expect(reader.get_by_role("heading", level=1)).to_have_text("Harbour Lights")
        image = reader.get_by_role("img", name="Boats moored in a blue harbour")
        expect(image).to_have_attribute("srcset", re.compile(r"480w"))
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
        assert reader.goto(f"{live_server.url}/feed/").status == 200
        assert "Harbour Lights" in reader.content()
    reader.close()
