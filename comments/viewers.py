"""Who is reading a discussion: moderators see everything, a reader also sees their own held comments.

A reader's held comments, and the comments they may still edit, are remembered in signed
cookies on their browser only, so nobody else (and no shared page cache) ever sees them.
"""

from authors.signin import second_factor_missing
from blog.models import SiteSettings
from comments.trees import Viewer

HELD_COOKIE = "colloquy_held"
HELD_SALT = "comments.held"
HELD_MAX_AGE = 60 * 60 * 24 * 30  # a month: long enough to see a comment approved
HELD_LIMIT = 50  # keep the cookie small


def held_comment_ids(request):
    """Ids of the comments this browser wrote that may still be held."""
    value = request.get_signed_cookie(HELD_COOKIE, default="", salt=HELD_SALT, max_age=HELD_MAX_AGE)
    return frozenset(int(part) for part in value.split(",") if part.isdigit())


def remember_held(request, response, comment):
    """Add `comment` to this browser's held comments."""
    ids = sorted(held_comment_ids(request) | {comment.pk})[-HELD_LIMIT:]
    response.set_signed_cookie(
        HELD_COOKIE,
        ",".join(map(str, ids)),
        salt=HELD_SALT,
        max_age=HELD_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


# The comments this browser may still edit or delete (comments.editing sets it).
EDITABLE_COOKIE = "colloquy_editable"
EDITABLE_SALT = "comments.editable"
EDITABLE_LIMIT = 20  # nobody writes more within one edit window


def editable_comment_ids(request):
    """Ids of the comments this browser wrote (or opened from an emailed edit link) within the edit window."""
    if EDITABLE_COOKIE not in request.COOKIES:
        return frozenset()  # most readers: not even the site settings to read
    minutes = SiteSettings.load().comment_edit_minutes
    if not minutes:
        return frozenset()  # editing is turned off
    value = request.get_signed_cookie(EDITABLE_COOKIE, default="", salt=EDITABLE_SALT, max_age=minutes * 60)
    return frozenset(int(part) for part in value.split(",") if part.isdigit())


def is_moderator(user):
    return user.is_authenticated and user.is_staff and user.has_perm("comments.change_comment")


def moderates_here(request):
    """A moderator fully signed in: a session that still owes its second factor moderates nothing."""
    return is_moderator(request.user) and not second_factor_missing(request.user)


def viewer_for(request):
    return Viewer(
        is_moderator=moderates_here(request),
        own_comment_ids=held_comment_ids(request),
        editable_ids=editable_comment_ids(request),
    )
