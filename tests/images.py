"""Images made in memory, and post images saved as the admin saves them, for tests of uploads and bodies."""

from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image

from blog.models import PostImage


def image_bytes(image_format="PNG", size=(40, 30), mode="RGB", color="red", **options):
    """A whole image file of `size` in one colour, as bytes; `options` go to Pillow's save()."""
    buffer = BytesIO()
    Image.new(mode, size, color).save(buffer, image_format, **options)
    return buffer.getvalue()


def add_image(post, *, alt="Boats in a blue harbour", caption="", size=(1200, 800)):
    """A PostImage saved as the admin would save it (renditions written)."""
    image = PostImage(post=post, alt=alt, caption=caption)
    image.image.save("harbour.png", ContentFile(image_bytes("PNG", size, color=(40, 90, 140))), save=False)
    image.save()
    return image


def with_body(post, body):
    """The post with `body`, saved: its HTML rendered, image references and all."""
    post.body = body
    post.save()
    return post
