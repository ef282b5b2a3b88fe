"""Writers editing or deleting their own comment, for a short window and while it has no replies.

(Being written: see issue 9.)
"""

import datetime

from django.utils import timezone

from blog.models import SiteSettings
from comments import links
from comments.models import Comment


def edit_deadline(comment):
    """Until when the writer may change `comment` (the site's edit window after it was written)."""
    return comment.created_at + datetime.timedelta(minutes=SiteSettings.load().comment_edit_minutes)


def is_editable(comment):
    """Within the window, still approved or held, and nobody has replied (below it or beside it)."""
    if SiteSettings.load().comment_edit_minutes == 0 or timezone.now() >= edit_deadline(comment):
        return False
    if comment.status not in (Comment.Status.APPROVED, Comment.Status.PENDING):
        return False
    has_children = comment.rght - comment.lft > 1
    return not has_children and not Comment.objects.filter(in_reply_to=comment).exists()


def edit_link(comment):
    """A signed link (absolute) that lets the writer edit `comment` from any browser; None once it can't be."""
    if not is_editable(comment):
        return None
    return links.link("edit", path_kwargs={"pk": comment.pk}, c=comment.pk)


def remember_editable(request, response, comment):
    """Let this browser edit `comment` during the window (a signed cookie)."""


def edit(request, pk, token=None):
    raise NotImplementedError


def delete(request, pk):
    raise NotImplementedError
