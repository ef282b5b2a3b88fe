from django.conf import settings

from blog.models import Page, SiteSettings


def layout():
    """What every page's layout reads, both from the cache once warm: the site settings and the menu.

    Tests call it before counting a page's queries, so the count is the page's own.
    """
    return {"site_settings": SiteSettings.load(), "site_menu": Page.menu()}


def site(request):
    """The site's identity, its menu and absolute base URL, for every template."""
    return {**layout(), "SITE_URL": settings.SITE_URL}
