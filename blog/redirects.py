"""Old addresses that keep working: Django's redirect table (django.contrib.redirects).

RedirectFallbackMiddleware answers a 404 with the row for its path: a 301 to
``new_path``, or 410 Gone when ``new_path`` is empty. Posts and pages write rows here
when a live address changes or is deleted; the WordPress import writes them too.
Editors can also edit the rows in the admin (Redirects).
"""

from django.contrib.redirects.middleware import RedirectFallbackMiddleware
from django.contrib.redirects.models import Redirect
from django.contrib.sites.models import Site
from django.shortcuts import render


def record_move(old_path, new_path):
    """`new_path` is live now, having been `old_path` (None when it is simply new, or back).

    Readers of `old_path` go to `new_path` for good, and so do those of older addresses
    that led to `old_path`; a row for `new_path` itself (an old move, a 410) would never
    be reached while it is live, and would mislead once it is not, so it goes.
    """
    if old_path == new_path:
        return
    site = Site.objects.get_current()
    Redirect.objects.filter(site=site, old_path=new_path).delete()
    if old_path is None:
        return
    # No chains: an address that led to old_path now leads straight to the new one.
    Redirect.objects.filter(site=site, new_path=old_path).update(new_path=new_path)
    Redirect.objects.update_or_create(site=site, old_path=old_path, defaults={"new_path": new_path})


def record_gone(paths):
    """Answer 410 Gone at each of `paths` (and at older addresses that led to them)."""
    if not paths:
        return
    site = Site.objects.get_current()
    Redirect.objects.filter(site=site, new_path__in=paths).update(new_path="")
    for path in paths:
        Redirect.objects.update_or_create(site=site, old_path=path, defaults={"new_path": ""})


class GoneFallbackMiddleware(RedirectFallbackMiddleware):
    """Django's redirect fallback, with the site's own page for an address that is gone.

    Django answers 410 with an empty body; readers following an old link deserve to be
    told the post was removed, in the site's layout, with a way on.
    """

    def process_response(self, request, response):
        fallback = super().process_response(request, response)
        if fallback is not response and fallback.status_code == 410:
            return render(request, "410.html", status=410)
        return fallback
