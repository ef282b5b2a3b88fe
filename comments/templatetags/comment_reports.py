from django import template

from comments.moderation import ReportForm

register = template.Library()


@register.simple_tag
def report_form():
    """An empty report form, for the one shared report dialog of a discussion page."""
    return ReportForm()
