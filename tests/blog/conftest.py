import pytest

from authors.roles import AUTHORS, EDITORS
from tests.factories import AuthorFactory


@pytest.fixture
def editor(staff):
    """A login in the Editors group."""
    return staff(EDITORS)


@pytest.fixture
def writer(staff):
    """A login in the Authors group, with its own author profile (`writer.author`)."""
    user = staff(AUTHORS)
    AuthorFactory(user=user)
    return user
