"""Share links: a signed, expiring address at which someone without a login reads a draft.

The token signs the post's id and the moment the link stops working, with a salt of its
own, so it is good for that one post only and cannot be lengthened. The page is the
public post template with a Preview banner: no discussion, no comment form, `noindex`,
never cached, and no cookie or session, so nothing else about the site changes for the
person reading it.

The token also carries the post's `share_key`; the admin's "Revoke share links" action
gives the post a new key, so every link handed out before stops working at once.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from blog.models import Post

SHARE_SALT = "blog.preview-share"


class ShareLinkExpired(signing.BadSignature):
    """A genuine token whose time is up; `post_id` says which post it was for."""

    def __init__(self, post_id):
        super().__init__("Share link expired.")
        self.post_id = post_id


def share_link(post):
    """A fresh share link for `post`: (path, when it expires), good for PREVIEW_SHARE_DAYS days."""
    expires_at = timezone.now() + datetime.timedelta(days=settings.PREVIEW_SHARE_DAYS)
    payload = [post.pk, int(expires_at.timestamp()), post.share_key.hex]
    token = signing.Signer(salt=SHARE_SALT).sign_object(payload)
    return reverse("blog:post_share", kwargs={"token": token}), expires_at.replace(microsecond=0)


def read_share_token(token):
    """(post id, expiry, share key) from a share token; `ShareLinkExpired` past its time, `BadSignature` if forged."""
    try:
        post_id, expires, share_key = signing.Signer(salt=SHARE_SALT).unsign_object(token)
    except (TypeError, ValueError) as error:  # signed by us, but not a [post id, expiry, key] triple
        raise signing.BadSignature("Malformed share token.") from error
    expires_at = datetime.datetime.fromtimestamp(expires, tz=datetime.UTC)
    if timezone.now() >= expires_at:
        raise ShareLinkExpired(post_id)
    return post_id, expires_at, share_key


@never_cache
@require_safe
def shared_preview(request, token):
    """A draft read through its share link; once the post is live, its public address instead."""
    try:
        post_id, expires_at, share_key = read_share_token(token)
    except ShareLinkExpired as expired:
        post_id, expires_at, share_key = expired.post_id, None, None
    except signing.BadSignature:
        return _unusable(request, "invalid")
    post = (
        Post.objects.filter(pk=post_id).prefetch_related("postauthor_set__author__links", "categories", "tags").first()
    )
    if post is None:
        return _unusable(request, "invalid")
    if post.is_public:
        # Temporary: the link may outlive a return to draft.
        return redirect(post.get_absolute_url())
    if expires_at is None:
        return _unusable(request, "expired")
    if share_key != post.share_key.hex:
        return _unusable(request, "revoked")
    context = {"post": post, "object": post, "is_preview": True, "share_expires_at": expires_at}
    response = render(request, "blog/post_detail.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


def _unusable(request, reason):
    """The page for an "expired" or "revoked" share link (410 Gone), or an "invalid" one (404)."""
    status = 404 if reason == "invalid" else 410
    response = render(request, "blog/share_link_unusable.html", {"reason": reason}, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response
