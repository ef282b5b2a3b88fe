from django import template

from comments.fragments import discussion_html, report_dialog_html, respond_html

register = template.Library()


@register.simple_tag(takes_context=True)
def discussion_items(context):
    """The page's comments as <li> items: stored cards joined, per-viewer parts added (comments.fragments)."""
    return discussion_html(context["discussion"], context)


@register.simple_tag(takes_context=True)
def respond(context):
    """The comment form, or "comments are closed" (comments/respond.html), rendered once when it can be."""
    return respond_html(context.flatten())


@register.simple_tag(takes_context=True)
def report_dialog(context):
    """The page's one report form, in a dialog (comments/report_dialog.html)."""
    return report_dialog_html(context.flatten())
