from django.conf import settings

from blog.models import SiteSettings


def site(request):
    """The site's identity and absolute base URL, for every template."""
    return {"site_settings": SiteSettings.load(), "SITE_URL": settings.SITE_URL}
