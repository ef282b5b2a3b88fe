"""Uploads use only Django's storage API, so an object store (django-storages) can hold them."""

import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from blog.images import rendition_name
from tests.factories import PostFactory
from tests.images import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def memory_storage(settings):
    """Django's in-memory storage in place of the file system, as S3 would be: no paths at all."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage", "OPTIONS": {}},
    }
    return default_storage


def test_a_featured_image_and_its_renditions_live_in_the_configured_storage(client, settings, memory_storage):
    post = PostFactory(featured_image_alt="A lighthouse")
    post.featured_image.save("lighthouse.jpg", ContentFile(image_bytes("JPEG", (1200, 800))))

    assert memory_storage.__class__.__name__ == "InMemoryStorage"
    assert memory_storage.exists(post.featured_image.name)
    assert memory_storage.exists(rendition_name(post.featured_image.name, 960))
    assert not os.path.exists(settings.MEDIA_ROOT)  # nothing went to the file system

    page = client.get(post.get_absolute_url()).content.decode()
    assert f"{settings.MEDIA_URL}{rendition_name(post.featured_image.name, 480)} 480w" in page
    assert 'alt="A lighthouse"' in page
