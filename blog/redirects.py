"""Old addresses that keep working: Django's redirect table (django.contrib.redirects).

RedirectFallbackMiddleware answers a 404 with the row for its path: a 301 to
``new_path``, or 410 Gone when ``new_path`` is empty. Posts and pages write rows here
when a live address changes or is deleted; the WordPress import writes them too.
"""

from django.contrib.redirects.models import Redirect
from django.contrib.sites.models import Site


def record_move(old_path, new_path):
    """Send readers of `old_path` to `new_path` for good (earlier moves to it follow along)."""
    if old_path == new_path:
        return
    site = Site.objects.get_current()
    # No chains: an address that led to old_path now leads straight to the new one.
    Redirect.objects.filter(site=site, new_path=old_path).update(new_path=new_path)
    # The new address is live again: a row for it would never be reached, and would mislead.
    Redirect.objects.filter(site=site, old_path=new_path).delete()
    Redirect.objects.update_or_create(site=site, old_path=old_path, defaults={"new_path": new_path})


def record_gone(paths):
    """Answer 410 Gone at each of `paths` (and at older addresses that led to them)."""
    if not paths:
        return
    site = Site.objects.get_current()
    Redirect.objects.filter(site=site, new_path__in=paths).update(new_path="")
    for path in paths:
        Redirect.objects.update_or_create(site=site, old_path=path, defaults={"new_path": ""})
