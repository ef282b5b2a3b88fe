import os

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from authors.roles import sync_roles
from tests.factories import UserFactory

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be usable there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Each test starts with an empty cache and its own media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(db):
    """Make a staff login in one of the groups."""
    # The roles migration made the groups, but a browser test's flush may have emptied them since.
    sync_roles()

    def make(group_name):
        user = UserFactory(is_staff=True)
        user.groups.add(Group.objects.get(name=group_name))
        return user

    return make


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a downloaded browser; quiet on a closed network."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
