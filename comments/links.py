"""Signed links in emails: confirm an address, unsubscribe, moderate a comment, edit one's comment.

A link carries its purpose's own salt, so a token made for one purpose never works for
another, and is checked for age where it expires. Anyone holding the link may use it:
each page that acts does so on a POST from its button, never on the GET that mail
scanners follow.
"""

from django.core import signing
from django.urls import reverse

from comments.mail import absolute

# How long each kind of link works (seconds); None: for ever (unsubscribing must always work).
MAX_AGE = {
    "confirm": 60 * 60 * 24 * 3,
    "unsubscribe": None,
    "moderate": 60 * 60 * 24 * 7,
    "edit": 60 * 60 * 24,  # the edit window, checked separately, is shorter
}
URL_NAMES = {
    "confirm": "comments:confirm_email",
    "unsubscribe": "comments:unsubscribe",
    "moderate": "comments:email_moderate",
    "edit": "comments:edit_by_link",
}


def make_token(purpose, **data):
    """A signed, timestamped token holding `data` (short keys, JSON values) for `purpose`."""
    return signing.dumps(data, salt=f"comments.link.{purpose}", compress=True)


def read_token(purpose, token):
    """The data of a token made for `purpose`; raises signing.SignatureExpired or BadSignature."""
    return signing.loads(token, salt=f"comments.link.{purpose}", max_age=MAX_AGE[purpose])


def link(purpose, *, path_kwargs=None, **data):
    """The absolute URL of a signed link for `purpose` (its view takes `token`, plus `path_kwargs`)."""
    token = make_token(purpose, **data)
    return absolute(reverse(URL_NAMES[purpose], kwargs={**(path_kwargs or {}), "token": token}))
