import os
import shutil
from io import BytesIO

import pytest
from django import forms
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse
from PIL import ExifTags, Image

from authors.models import Author
from blog.images import RENDITION_WIDTHS, rendition_name, srcset
from tests.factories import AuthorFactory
from tests.images import image_bytes

pytestmark = pytest.mark.django_db

AuthorForm = forms.modelform_factory(Author, fields=["name", "slug", "avatar"])


def submit(name, content):
    return AuthorForm(data={"name": "Eugene", "slug": "eugene"}, files={"avatar": SimpleUploadedFile(name, content)})


def save_avatar(name, content):
    form = submit(name, content)
    assert form.is_valid(), form.errors
    return form.save()


def stored(field_file):
    with default_storage.open(field_file.name) as file:
        return file.read()


def media_files(settings):
    """Every file under MEDIA_ROOT with its modification time."""
    return {
        os.path.join(root, name): os.stat(os.path.join(root, name)).st_mtime_ns
        for root, _dirs, names in os.walk(settings.MEDIA_ROOT)
        for name in names
    }


@pytest.fixture(scope="module")
def huge_png():
    """10,000 by 10,000 pixels in about 12 KB: a decompression bomb."""
    return image_bytes("PNG", (10_000, 10_000), mode="1", color=0)


def test_text_file_named_png_is_refused():
    form = submit("notes.png", b"Just some text, not an image at all.")

    assert form.errors["avatar"] == ["This file is not a JPEG, PNG, WebP or GIF image."]


def test_truncated_image_is_refused():
    noise = BytesIO()
    Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3)).save(noise, "PNG")

    form = submit("cut.png", noise.getvalue()[:2000])

    assert form.errors["avatar"] == ["This file is not a JPEG, PNG, WebP or GIF image."]


def test_file_over_the_byte_limit_is_refused(settings):
    settings.IMAGE_MAX_BYTES = 1000
    noise = BytesIO()
    Image.frombytes("RGB", (32, 32), os.urandom(32 * 32 * 3)).save(noise, "PNG")

    form = submit("noise.png", noise.getvalue())

    [error] = form.errors["avatar"]
    assert error.startswith("This file is ")
    assert error.endswith("; the limit is 1000\xa0bytes.")


@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")
def test_decompression_bomb_is_refused_from_its_header(huge_png):
    assert len(huge_png) < 20_000

    form = submit("bomb.png", huge_png)

    assert form.errors["avatar"] == ["This image is 10000 × 10000 pixels; the limit is 40 megapixels."]


def test_image_past_pillows_own_bomb_limit_is_a_form_error(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)

    form = submit("small.png", image_bytes("PNG", (40, 30)))

    assert form.errors["avatar"] == ["This image has far too many pixels; the limit is 40 megapixels."]


@pytest.mark.parametrize("name", ["drawing.svg", "drawing.png"])
def test_svg_is_refused(name):
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

    form = submit(name, svg)

    assert form.errors["avatar"] == [
        "SVG images are not accepted because they can carry scripts. Upload a PNG, JPEG, WebP or GIF."
    ]


def test_png_named_pdf_is_refused():
    form = submit("photo.pdf", image_bytes("PNG"))

    assert form.errors["avatar"] == [
        "The file name “photo.pdf” does not match its contents: it is a PNG image, so the name should end in .png."
    ]


def test_gif_with_an_appended_script_is_saved_without_it():
    polyglot = image_bytes("GIF", mode="P", color=1) + b"<script>alert(document.cookie)</script>"

    author = save_avatar("wave.gif", polyglot)

    saved = stored(author.avatar)
    assert b"<script>" not in saved
    assert Image.open(BytesIO(saved)).format == "GIF"


def test_jpeg_loses_gps_exif_and_comments_and_is_turned_upright():
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # Rotated: stored landscape, shown portrait.
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 0.0)
    photo = image_bytes("JPEG", (40, 30), exif=exif, comment=b"at home")
    assert Image.open(BytesIO(photo)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    author = save_avatar("me.jpg", photo)

    saved = Image.open(BytesIO(stored(author.avatar)))
    assert saved.format == "JPEG"
    assert not saved.getexif()
    assert "exif" not in saved.info
    assert "comment" not in saved.info
    assert saved.size == (30, 40)
    assert (author.avatar_width, author.avatar_height) == (30, 40)


def test_multi_picture_jpeg_from_a_phone_is_saved_as_a_plain_jpeg():
    mpo = BytesIO()
    Image.new("RGB", (50, 40), "red").save(mpo, "MPO", save_all=True, append_images=[Image.new("RGB", (50, 40))])

    author = save_avatar("portrait.jpg", mpo.getvalue())

    saved = Image.open(BytesIO(stored(author.avatar)))
    assert (saved.format, saved.size) == ("JPEG", (50, 40))


@pytest.mark.parametrize(
    ("name", "image_format", "mode"),
    [("big.jpg", "JPEG", "RGB"), ("big.png", "PNG", "RGBA"), ("big.webp", "WEBP", "RGBA"), ("big.gif", "GIF", "P")],
)
def test_large_image_is_scaled_down_in_its_own_format(name, image_format, mode):
    color = (0, 128, 255, 100) if mode == "RGBA" else 1 if mode == "P" else "blue"
    author = save_avatar(name, image_bytes(image_format, (3000, 1500), mode=mode, color=color))

    saved = Image.open(BytesIO(stored(author.avatar)))
    assert author.avatar.name == f"avatars/{name}"
    assert saved.format == image_format
    assert saved.size == (2400, 1200)
    assert (author.avatar_width, author.avatar_height) == (2400, 1200)
    if mode == "RGBA":
        assert saved.mode == "RGBA"
        assert saved.getpixel((0, 0))[3] == 100


def test_renditions_are_stored_beside_the_original_and_listed_in_srcset():
    author = save_avatar("eugene.jpg", image_bytes("JPEG", (2000, 1000)))

    for width in RENDITION_WIDTHS:
        name = f"avatars/eugene.{width}w.webp"
        assert rendition_name(author.avatar.name, width) == name
        rendition = Image.open(default_storage.open(name))
        assert (rendition.format, rendition.width) == ("WEBP", width)
    assert srcset(author.avatar) == (
        "/media/avatars/eugene.96w.webp 96w, /media/avatars/eugene.192w.webp 192w, "
        "/media/avatars/eugene.480w.webp 480w, /media/avatars/eugene.960w.webp 960w, "
        "/media/avatars/eugene.1600w.webp 1600w, /media/avatars/eugene.jpg 2000w"
    )


def test_only_renditions_smaller_than_the_original_are_made():
    author = save_avatar("small.png", image_bytes("PNG", (200, 100)))

    assert sorted(os.listdir(os.path.dirname(author.avatar.path))) == [
        "small.192w.webp",
        "small.96w.webp",
        "small.png",
    ]
    assert srcset(author.avatar) == (
        "/media/avatars/small.96w.webp 96w, /media/avatars/small.192w.webp 192w, /media/avatars/small.png 200w"
    )


def test_content_file_assigned_in_code_gets_renditions():
    author = AuthorFactory()

    author.avatar = ContentFile(image_bytes("PNG", (500, 250)), name="imported.png")
    author.save()

    assert (author.avatar_width, author.avatar_height) == (500, 250)
    assert [default_storage.exists(f"avatars/imported.{w}w.webp") for w in RENDITION_WIDTHS] == [
        True,
        True,
        True,
        False,
        False,
    ]


def test_field_file_save_sets_the_size_on_the_instance_so_a_later_save_keeps_it():
    author = AuthorFactory()

    author.avatar.save("saved.png", ContentFile(image_bytes("PNG", (300, 150))))
    assert (author.avatar_width, author.avatar_height) == (300, 150)
    author.name = "Renamed"
    author.save()

    assert Author.objects.values_list("avatar_width", "avatar_height").get(pk=author.pk) == (300, 150)


def test_saving_again_without_a_new_file_writes_nothing(settings):
    author = save_avatar("eugene.jpg", image_bytes("JPEG", (1000, 500)))
    before = media_files(settings)
    assert len(before) == 5  # The original and four renditions.

    author.name = "Eugene B."
    author.save()
    form = AuthorForm(data={"name": "Eugene Bach", "slug": "eugene"}, instance=Author.objects.get(pk=author.pk))
    assert form.is_valid(), form.errors
    form.save()

    assert media_files(settings) == before


def test_srcset_and_tag_need_no_storage_and_no_queries(settings, django_assert_num_queries):
    author = save_avatar("eugene.jpg", image_bytes("JPEG", (2000, 1000)))
    author = Author.objects.get(pk=author.pk)
    author.name = 'Eugene "the <b>bold</b>"'
    shutil.rmtree(settings.MEDIA_ROOT)  # Any read of the file would now fail.
    template = Template("{% load images %}{% responsive_image author.avatar author.name sizes='96px' class='avatar' %}")

    with django_assert_num_queries(0):
        html = template.render(Context({"author": author}))

    assert html == (
        '<img alt="Eugene &quot;the &lt;b&gt;bold&lt;/b&gt;&quot;" class="avatar" decoding="async" height="1000" '
        'loading="lazy" sizes="96px" src="/media/avatars/eugene.960w.webp" srcset="' + srcset(author.avatar) + '" '
        'width="2000">'
    )


def test_tag_renders_nothing_without_an_image():
    author = AuthorFactory()
    template = Template("{% load images %}{% responsive_image author.avatar author.name %}")

    assert template.render(Context({"author": author})) == ""


# The Author admin's URL fields (website, link URLs) do not yet pass assume_scheme, so Django warns about
# its 6.0 default on every admin form; that belongs to the admin, not to these image tests.
ignore_url_scheme_warning = pytest.mark.filterwarnings(
    "ignore:The default scheme will be changed:django.utils.deprecation.RemovedInDjango60Warning"
)


def admin_post(admin_client, url, avatar=None, **fields):
    """POST the Author admin form as a browser would, with its inline formsets left empty."""
    data = {"name": "Eugene", "slug": "eugene", **fields}
    for inline in admin_client.get(url).context["inline_admin_formsets"]:
        data |= {
            f"{inline.formset.prefix}-{key}": value for key, value in inline.formset.management_form.initial.items()
        }
        data[f"{inline.formset.prefix}-TOTAL_FORMS"] = 0
    if avatar:
        data["avatar"] = avatar
    return admin_client.post(url, data)


@ignore_url_scheme_warning
def test_admin_shows_a_refused_image_as_a_form_error(admin_client):
    response = admin_post(
        admin_client, reverse("admin:authors_author_add"), SimpleUploadedFile("photo.pdf", image_bytes("PNG"))
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["avatar"] == [
        "The file name “photo.pdf” does not match its contents: it is a PNG image, so the name should end in .png."
    ]
    assert not Author.objects.exists()


@ignore_url_scheme_warning
def test_admin_add_stores_a_clean_avatar_and_change_leaves_it_alone(admin_client, settings):
    add = admin_post(
        admin_client,
        reverse("admin:authors_author_add"),
        SimpleUploadedFile("eugene.jpg", image_bytes("JPEG", (3000, 1500))),
    )

    assert add.status_code == 302
    author = Author.objects.get(slug="eugene")
    assert (author.avatar.name, author.avatar_width, author.avatar_height) == ("avatars/eugene.jpg", 2400, 1200)
    files = media_files(settings)
    assert len(files) == 1 + len(RENDITION_WIDTHS)

    change = admin_post(admin_client, reverse("admin:authors_author_change", args=[author.pk]), name="Eugene Bach")

    assert change.status_code == 302
    assert Author.objects.get(pk=author.pk).name == "Eugene Bach"
    assert media_files(settings) == files
