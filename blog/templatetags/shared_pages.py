from django import template
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from blog.page_cache import is_shared

register = template.Library()


@register.simple_tag(takes_context=True)
def visitor_csrf_token(context):
    """{% csrf_token %}, except on a page for the shared cache (blog.page_cache): there an empty
    field that static/js/comments.js fills with this visitor's own token."""
    if _leaves_out_visitor(context):
        return mark_safe('<input type="hidden" name="csrfmiddlewaretoken" value="">')
    return CsrfTokenNode().render(context)


@register.simple_tag(takes_context=True)
def visitor_data_url(context):
    """On a page for the shared cache, where static/js/comments.js fetches the visitor's parts."""
    if _leaves_out_visitor(context):
        return format_html(' data-token-url="{}"', reverse("comments:form_token"))
    return ""


def _leaves_out_visitor(context):
    """A page for the shared cache, or a part rendered once for everyone (`neutral` in its context)."""
    request = context.get("request")
    return context.get("neutral") or (request is not None and is_shared(request))
