"""The editors' desk on the admin index: posts by publication state, and comments to moderate."""

from dataclasses import dataclass

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from blog.models import Post
from blog.review import in_state
from comments.models import Comment

register = template.Library()

# How many of each section's posts the desk lists; "see all" opens the filtered changelist.
RECENT = 5

# (state, title for Editors, title for Authors, order): what needs someone first.
SECTIONS = [
    ("pending", _("Pending review"), _("Pending review"), ["-updated_at", "-pk"]),
    ("returned", _("Returned to authors"), _("Returned to you"), ["-updated_at", "-pk"]),
    ("draft", _("Drafts"), _("Your drafts"), ["-updated_at", "-pk"]),
    ("scheduled", _("Scheduled"), _("Scheduled"), ["published_at", "pk"]),  # next to go live first
]


@dataclass
class Section:
    state: str
    title: str
    count: int
    posts: list
    url: str  # the changelist, filtered to this state


@register.simple_tag(takes_context=True)
def editorial_desk(context):
    """The post sections of the dashboard for the signed-in user, two queries each whatever the numbers.

    Editors see everyone's posts; Authors only theirs (`PostQuerySet.editable_by`, as
    the post admin); anyone without the post admin (Moderators) sees none.
    """
    user = context["request"].user
    if not user.has_perm("blog.view_post"):
        return []
    editor = user.has_perm("blog.edit_others_posts")
    posts = Post.objects.editable_by(user).only("title", "status", "published_at", "updated_at", "review_note")
    changelist = reverse("admin:blog_post_changelist")
    sections = []
    for state, editors_title, authors_title, order in SECTIONS:
        chosen = in_state(posts, state)
        sections.append(
            Section(
                state=state,
                title=editors_title if editor else authors_title,
                count=chosen.count(),
                posts=list(chosen.order_by(*order)[:RECENT]),
                url=f"{changelist}?state={state}",
            )
        )
    return sections


@register.simple_tag
def recent_pending_comments():
    """The latest comments awaiting moderation, with their posts (one query)."""
    pending = Comment.objects.filter(status=Comment.Status.PENDING).select_related("post")
    return list(pending.order_by("-created_at")[:RECENT])
