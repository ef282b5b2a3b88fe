import pytest
from django.urls import reverse

from comments.spam import form_token


@pytest.fixture
def send_comment(client):
    """Post the comment form under a post as a reader's browser does, with the page's signed timestamp.

    `send(post, body=…)`: `browser` is another test client, `meta` request headers and
    environ (REMOTE_ADDR, HTTP_X_FORWARDED_FOR); other keywords are form fields.
    """

    def send(post, *, browser=None, meta=None, **fields):
        data = {
            "name": "Ada Reader",
            "email": "ada@example.com",
            "website": "",
            "body": "A fine post.",
            "form_token": form_token(),
            **fields,
        }
        meta = {"HTTP_USER_AGENT": "TestBrowser/1.0", **(meta or {})}
        return (browser or client).post(reverse("comments:create", args=[post.pk]), data, **meta)

    return send
