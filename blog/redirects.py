"""Old addresses that keep working: Django's redirect table (django.contrib.redirects).

RedirectFallbackMiddleware answers a 404 with the row for its path: a 301 to
``new_path``, or 410 Gone when ``new_path`` is empty. Posts and pages write rows here
when a live address changes or is deleted; the WordPress import writes them too.
Editors can also edit the rows in the admin (Redirects).
"""

import re
from urllib.parse import urlencode

from django.contrib.redirects.middleware import RedirectFallbackMiddleware
from django.contrib.redirects.models import Redirect
from django.contrib.sites.models import Site
from django.contrib.sites.shortcuts import get_current_site
from django.db import connection
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.encoding import escape_uri_path

# The query keys WordPress answers on any address (`/?p=123`, `/?page_id=4`, `…?replytocom=5`),
# in the order the redirect table stores them (see `wordpress_query_path`; reply links are
# written fastest with replytocom last).
WORDPRESS_QUERY_KEYS = ("p", "page_id", "attachment_id", "cat", "tag", "author", "m", "feed", "replytocom")
# WordPress's paged discussions: /<post>/comment-page-2/.
COMMENT_PAGE = re.compile(r"^(?P<post>/.*/)comment-page-[0-9]+/$")


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


def record_moves(moves, *, batch_size=2000):
    """`record_move` for many addresses at once (an import): `moves` maps each old path to its live new path.

    The same rules, in a few statements whatever the number: a row per old path (updated if
    there is one: running it twice changes nothing), none at an address that is live, and
    rows that led to one of the old paths lead straight to its new one.
    """
    site = Site.objects.get_current()
    rows = [Redirect(site=site, old_path=old, new_path=new) for old, new in moves.items() if old != new]
    for start in range(0, len(rows), batch_size):
        Redirect.objects.bulk_create(
            rows[start : start + batch_size],
            update_conflicts=True,
            unique_fields=["site", "old_path"],
            update_fields=["new_path"],
        )
    live = sorted(set(moves.values()))
    for start in range(0, len(live), batch_size):
        Redirect.objects.filter(site=site, old_path__in=live[start : start + batch_size]).delete()
    # No chains: one join over the table (new_path has no index; a lookup per path would scan it each time).
    table = connection.ops.quote_name(Redirect._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS r SET new_path = n.new_path FROM {table} AS n "
            "WHERE r.site_id = %s AND n.site_id = r.site_id AND r.new_path = n.old_path AND r.old_path <> n.new_path",
            [site.pk],
        )
    return len(rows)


def record_gone(paths):
    """Answer 410 Gone at each of `paths` (and at older addresses that led to them)."""
    if not paths:
        return
    site = Site.objects.get_current()
    Redirect.objects.filter(site=site, new_path__in=paths).update(new_path="")
    for path in paths:
        Redirect.objects.update_or_create(site=site, old_path=path, defaults={"new_path": ""})


def wordpress_query_path(path, query):
    """`path` with only WordPress's own keys of `query` (a QueryDict), in a fixed order; None without any.

    The one spelling of a WordPress query address, for the rows the import writes and the
    lookups the middleware makes, so `/?utm_source=x&p=1` finds the row for `/?p=1`.
    `path` is as `request.path` gives it (decoded); `/index.php` is WordPress's front page.
    """
    params = [(key, query[key]) for key in WORDPRESS_QUERY_KEYS if query.get(key)]
    if not params:
        return None
    path = "/" if path == "/index.php" else path
    return f"{escape_uri_path(path)}?{urlencode(params)}"


class GoneFallbackMiddleware(RedirectFallbackMiddleware):
    """Django's redirect fallback, with the site's own page for an address that is gone,
    and WordPress's old addresses (see blog/wordpress/links.py).

    Django answers 410 with an empty body; readers following an old link deserve to be
    told the post was removed, in the site's layout, with a way on.

    Django only looks at 404s, but `/?p=123` is our home page and `/<post>/?replytocom=5`
    may be a live post: a GET carrying one of WordPress's query keys is looked up before
    the view runs. Any other request costs no query.
    """

    def process_request(self, request):
        if request.method not in ("GET", "HEAD") or not request.META.get("QUERY_STRING"):
            return None
        old_path = wordpress_query_path(request.path, request.GET)
        if old_path is None or _is_admin(request.path):  # the admin's own ?p= is its pagination
            return None
        candidates = [old_path]
        if "replytocom" in request.GET:  # a reply link to a comment not shown here: its post, at least
            without = request.GET.copy()
            del without["replytocom"]
            candidates.append(wordpress_query_path(request.path, without))
        new_path = self._new_path(request, [path for path in candidates if path])
        return None if new_path is None else self._answer(request, new_path)

    def process_response(self, request, response):
        if response.status_code != 404:
            return response
        fallback = super().process_response(request, response)
        if fallback is response:
            return self._wordpress_fallback(request, response)
        if fallback.status_code == 410:
            return render(request, "410.html", status=410)
        return fallback

    def _wordpress_fallback(self, request, response):
        """A 404 at an old address with a tracking query (`?utm_source=…`) or a discussion page."""
        path = escape_uri_path(request.path)
        candidates = [path] if request.META.get("QUERY_STRING") else []
        if comment_page := COMMENT_PAGE.match(request.path):
            candidates.append(escape_uri_path(comment_page["post"]))
        if not candidates:
            return response
        new_path = self._new_path(request, candidates)
        if new_path is not None:
            return self._answer(request, new_path)
        if comment_page and _is_post_address(comment_page["post"]):
            return HttpResponsePermanentRedirect(escape_uri_path(comment_page["post"]))
        return response

    @staticmethod
    def _new_path(request, candidates):
        """The target of the first of `candidates` in the redirect table ("" for gone), or None."""
        rows = dict(
            Redirect.objects.filter(site=get_current_site(request), old_path__in=candidates).values_list(
                "old_path", "new_path"
            )
        )
        return next((rows[path] for path in candidates if path in rows), None)

    def _answer(self, request, new_path):
        if new_path == "":
            return render(request, "410.html", status=410)
        return self.response_redirect_class(new_path)


def _is_admin(path):
    try:
        return path.startswith(reverse("admin:index"))
    except NoReverseMatch:  # a URLconf without the admin
        return False


def _is_post_address(path):
    try:
        return resolve(path).view_name == "blog:post_detail"
    except Resolver404:
        return False
