from django import template

from comments.models import Comment

register = template.Library()


@register.simple_tag
def pending_comment_count():
    """How many comments await moderation, for the admin index (one COUNT query)."""
    return Comment.objects.filter(status=Comment.Status.PENDING).count()
