"""Images in a post body: `![alt](image:<id>)` places one of the post's own uploads as a responsive
picture, and the admin's image inline uploads them, checks them and re-renders the body."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from blog.models import Post, PostImage, SiteSettings
from tests.admin_forms import inline_data, post_form
from tests.factories import PostFactory
from tests.images import add_image, image_bytes, with_body

pytestmark = pytest.mark.django_db

ADD = reverse("admin:blog_post_add")


def images_data(*rows):
    """The image inline's part of the post form, for new rows only."""
    return inline_data("images", rows) | {"images-INITIAL_FORMS": 0}


def next_image_id():
    """The id the next uploaded image will get, so a body can place it on the post's first save."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('blog_postimage', 'id'))")
        return cursor.fetchone()[0] + 1


def post_updates(queries):
    return [query["sql"] for query in queries if query["sql"].startswith('UPDATE "blog_post" ')]


@pytest.fixture
def editor(client, editor):
    """Signed in: the admin tests here all work as the editor."""
    client.force_login(editor)
    return editor


# Rendering


def test_an_image_reference_renders_a_responsive_lazy_picture():
    post = PostFactory()
    image = add_image(post)

    html = with_body(post, f"Before.\n\n![](image:{image.pk})\n\nAfter.").body_html

    base = image.image.name.removesuffix(".png")
    assert f'src="/media/{base}.960w.webp"' in html
    assert f'srcset="/media/{base}.96w.webp 96w, ' in html
    assert f"/media/{base}.480w.webp 480w, " in html
    assert f'/media/{image.image.name} 1200w"' in html
    assert 'sizes="(max-width: 46rem) 100vw, 46rem"' in html
    for attribute in ('width="1200"', 'height="800"', 'loading="lazy"', 'decoding="async"'):
        assert attribute in html
    assert 'alt="Boats in a blue harbour"' in html
    assert "<figure" not in html  # no caption, so a plain picture
    assert "image:" not in html


def test_the_markdown_alt_text_wins_when_there_is_one():
    post = PostFactory()
    image = add_image(post)

    html = with_body(post, f"![The quay at night](image:{image.pk})").body_html

    assert 'alt="The quay at night"' in html
    assert "Boats in a blue harbour" not in html


def test_a_caption_makes_a_figure_and_the_markdown_title_overrides_it():
    post = PostFactory()
    image = add_image(post, caption="Dusk, from the quay")

    html = with_body(post, f"![](image:{image.pk})").body_html
    assert html.startswith("<figure><img ")
    assert html.endswith("<figcaption>Dusk, from the quay</figcaption></figure>")

    html = with_body(post, f'![](image:{image.pk} "At first light")').body_html
    assert html.endswith("<figcaption>At first light</figcaption></figure>")


def test_another_posts_image_or_an_unknown_id_leaves_nothing_behind():
    other = add_image(PostFactory())
    post = PostFactory()

    html = with_body(
        post, f"Before.\n\n![](image:{other.pk})\n\n![x](image:999999)\n\nText ![y](image:abc) here."
    ).body_html

    assert "<img" not in html
    assert "image:" not in html
    assert other.image.name not in html
    assert "<p></p>" not in html
    assert "<p>Before.</p>" in html and "<p>Text  here.</p>" in html


def test_body_images_cost_the_post_page_no_queries(client, settings):
    settings.PAGE_CACHE_SECONDS = 0  # count the page's rendering, not a cache hit
    SiteSettings.load()
    plain = PostFactory(body="Just words.")
    pictured = PostFactory()
    with_body(pictured, f"![](image:{add_image(pictured).pk})")

    client.get(plain.get_absolute_url())  # warm up what the first request of a test loads once
    with CaptureQueriesContext(connection) as plain_page:
        client.get(plain.get_absolute_url())
    with CaptureQueriesContext(connection) as pictured_page:
        response = client.get(pictured.get_absolute_url())

    assert 'loading="lazy"' in response.content.decode()
    assert len(pictured_page) == len(plain_page)


# The admin's image inline


def test_an_image_uploaded_with_a_new_post_appears_in_its_body_on_the_first_save(client, editor):
    image_id = next_image_id()
    data = post_form(Post(title="Harbour", slug="harbour", body=f'![](image:{image_id} "The harbour")'))
    photo = SimpleUploadedFile("harbour.png", image_bytes("PNG", (1200, 800)))
    data |= images_data({"image": photo, "alt": "Boats", "caption": "", "order": 0})

    with CaptureQueriesContext(connection) as queries:
        response = client.post(ADD, data)

    assert response.status_code == 302
    post = Post.objects.get(slug="harbour")
    image = post.images.get()
    assert image.pk == image_id
    assert image.width == 1200
    assert f"{image.image.url} 1200w" in post.body_html
    assert "<figcaption>The harbour</figcaption>" in post.body_html
    assert len(post_updates(queries)) == 1  # the re-render after the inline is saved, and nothing more


def test_a_post_without_image_references_is_not_written_twice(client, editor):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(ADD, post_form(Post(title="Words", slug="words", body="Only *words*.")))

    assert response.status_code == 302
    assert post_updates(queries) == []


def test_changing_an_images_caption_in_the_inline_updates_the_body(client, editor):
    post = PostFactory()
    image = add_image(post)
    with_body(post, f"![](image:{image.pk})")
    change = reverse("admin:blog_post_change", args=[post.pk])
    row = {"id": image.pk, "post": post.pk, "alt": image.alt, "caption": "Added later", "order": 0}

    response = client.post(change, post_form(post) | inline_data("images", [row]))

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.body_html.endswith("<figcaption>Added later</figcaption></figure>")


def test_the_inline_shows_each_images_thumbnail_and_markdown(client, editor):
    post = PostFactory()
    image = add_image(post)

    response = client.get(reverse("admin:blog_post_change", args=[post.pk]))

    content = response.content.decode()
    assert f'<code class="image-snippet">![Boats in a blue harbour](image:{image.pk})</code>' in content
    assert 'class="post-image-thumbnail"' in content
    assert "js/admin/editor.js" in content


def test_an_image_without_alt_text_is_a_form_error(client, editor):
    data = post_form(Post(title="No alt", slug="no-alt"))
    photo = SimpleUploadedFile("harbour.png", image_bytes("PNG", (1200, 800)))
    data |= images_data({"image": photo, "alt": "", "caption": "", "order": 0})

    response = client.post(ADD, data)

    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][1].formset.errors == [{"alt": ["This field is required."]}]
    assert not Post.objects.exists()
    assert not PostImage.objects.exists()


def test_a_bad_upload_is_a_form_error(client, editor):
    data = post_form(Post(title="Bad file", slug="bad-file"))
    fake = SimpleUploadedFile("harbour.png", b"<?php echo 'not an image'; ?>")
    data |= images_data({"image": fake, "alt": "Boats", "caption": "", "order": 0})

    response = client.post(ADD, data)

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][1].formset.errors
    assert errors == [{"image": ["This file is not a JPEG, PNG, WebP or GIF image."]}]
    assert not Post.objects.exists()
