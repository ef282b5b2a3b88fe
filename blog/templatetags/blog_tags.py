from django import template

from blog.search import highlight

register = template.Library()

register.filter("highlight", highlight)


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    """SITE_URL + path, for canonical links and OpenGraph tags."""
    return f"{context['SITE_URL']}{path}"
