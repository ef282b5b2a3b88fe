"""Who is emailed about comments, and the unsubscribe page. (Being written: see issue 9.)

Called by comments.services after the transaction commits (robust: a failure is logged).
"""

from comments import links, moderator_mail
from comments.models import Commenter, normalise_email


def unsubscribe_url(email, *, comment=None, post=None):
    """The signed link (absolute) that stops emails to `email`: about the thread of `comment`,
    about the discussion of `post`, or, with neither, everything."""
    return links.link(
        "unsubscribe",
        e=normalise_email(email),
        c=comment.pk if comment is not None else None,
        p=post.pk if post is not None else None,
    )


def unsubscribed_from_everything(emails):
    """Of `emails`, the normalised addresses whose owners asked for no email at all (one query)."""
    wanted = {normalise_email(email) for email in emails if email}
    return set(
        Commenter.objects.filter(email__in=wanted, unsubscribed_at__isnull=False).values_list("email", flat=True)
    )


def comment_posted(comment_id):
    """A comment was written through the public form or by a moderator/author: tell who it concerns.

    Approved at once: readers and authors (as comments_published). Held: the moderators
    (moderator_mail.comment_held). Spam: nobody.
    """


def comments_approved(comment_ids):
    """Comments were approved by a moderator: the writers of held ones hear so, then as published."""


def unsubscribe(request, token):
    raise NotImplementedError


__all__ = ["comment_posted", "comments_approved", "moderator_mail", "unsubscribe"]
