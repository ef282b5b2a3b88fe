"""`{% responsive_image %}`: an <img> with srcset built from the stored size, without storage calls."""

from django import template
from django.forms.utils import flatatt
from django.utils.html import format_html

from blog.images import rendition_url, rendition_widths, srcset, stored_size

register = template.Library()

FALLBACK_WIDTH = 960  # For `src`: browsers that read srcset never fetch it, so a middle size will do.


@register.simple_tag
def responsive_image(field_file, alt, sizes="100vw", loading="lazy", **attrs):
    """Render `field_file` (a ValidatedImageField file) as a responsive, lazily loaded <img>.

    Extra keyword arguments (class, fetchpriority…) become attributes; empty ones are left out.
    Usage: {% responsive_image post.featured_image post.featured_image_alt sizes="(min-width: 60em) 40em, 100vw" %}
    """
    if not field_file:
        return ""
    width, height = stored_size(field_file)
    smaller = [w for w in rendition_widths(width) if w <= FALLBACK_WIDTH]
    candidates = srcset(field_file)
    img = {
        "src": rendition_url(field_file, smaller[-1]) if smaller else field_file.url,
        "srcset": candidates,
        "sizes": sizes if candidates else "",
        "width": width,
        "height": height,
        "loading": loading,
        "decoding": "async",
        **attrs,
    }
    img = {name: value for name, value in img.items() if value not in ("", None)}
    # alt="" is meaningful (a decorative image), so it is always written.
    return format_html("<img{}>", flatatt({**img, "alt": alt}))
