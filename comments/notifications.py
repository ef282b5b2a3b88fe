"""Who is emailed about comments, and the unsubscribe page. (Being written: see issue 9.)

Called by comments.services after the transaction commits (robust: a failure is logged).
"""

from comments import moderator_mail


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
