"""Akismet, when `AKISMET_API_KEY` is set: a second opinion on new comments, and the moderators' corrections.

Akismet's REST API takes form-encoded POSTs to `AKISMET_API_URL/<method>` and answers in
plain text: "true" or "false" for `comment-check`. It is an option, never a dependency:
a timeout, an error or an invalid key is logged and ignored, and the comment is posted
or moderated all the same. Only the standard library's urllib, with a short timeout.
"""

import logging
import urllib.request
from urllib.parse import urlencode

from django.conf import settings

from comments.models import Comment

logger = logging.getLogger(__name__)

TIMEOUT = 3  # seconds: a reader waits for the answer
USER_AGENT = "Colloquy/1.0 | colloquy-akismet/1.0"


def is_enabled():
    return bool(settings.AKISMET_API_KEY)


def comment_check(comment):
    """Does Akismet call `comment` spam? True, False, or None when it gave no answer.

    `comment` is a Comment or a `comments.spam.Submission`: anything with the post, name,
    email, website, body, IP address and user agent of a comment.
    """
    answer = _call("comment-check", comment)
    if answer not in ("true", "false"):
        if answer is not None:
            logger.warning("Akismet comment-check gave no verdict (%r); the comment goes on without it.", answer[:40])
        return None
    return answer == "true"


def report_moderation(comments, status):
    """Tell Akismet what a moderator decided: spam it let through, or a good comment marked as spam.

    Call it after `comments.services.comment_set_status`, with the comments as they were
    loaded before (their old status): a comment newly marked spam is submitted as spam, a
    spam comment approved or restored as ham. Nothing is sent without a key.
    """
    if not is_enabled():
        return
    for comment in comments:
        if status == Comment.Status.SPAM and comment.status != Comment.Status.SPAM:
            _call("submit-spam", comment)
        elif status == Comment.Status.APPROVED and comment.status == Comment.Status.SPAM:
            _call("submit-ham", comment)


def _fields(comment):
    """The fields Akismet's API documents for a comment."""
    return {
        "api_key": settings.AKISMET_API_KEY,
        "blog": settings.SITE_URL,
        "user_ip": comment.ip_address or "",
        "user_agent": comment.user_agent or "",
        "comment_type": "comment",
        "comment_author": comment.name,
        "comment_author_email": comment.email,
        "comment_author_url": comment.website,
        "comment_content": comment.body,
        "permalink": f"{settings.SITE_URL}{comment.post.get_absolute_url()}",
    }


def _call(method, comment):
    """POST `comment` to Akismet's `method`; its answer as text, or None when the call failed."""
    request = urllib.request.Request(
        f"{settings.AKISMET_API_URL}/{method}",
        data=urlencode(_fields(comment)).encode(),
        headers={"User-Agent": USER_AGENT, "Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.read(1000).decode("utf-8", "replace").strip()
    except (OSError, ValueError) as error:  # URLError, HTTPError and timeouts are OSErrors
        # The error only: no commenter's data in the log.
        logger.warning("Akismet %s failed: %s", method, error)
        return None
