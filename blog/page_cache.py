"""The shared page cache: whole public pages for readers without a session, refreshed exactly.

A view whose page is the same for every such reader calls `share(request, *dependencies)`.
The middleware below then keeps the response (Redis when REDIS_URL is set, so every worker
and host shares it) and serves it to the next reader without running the view, or any
middleware after it (sessions, CSRF, authentication).

Dependencies are names: "site" (settings, menu, categories…), "posts" (anything a list of
posts shows), "post:<id>" (one post's page: its text, comments, bylines), "author:<id>"
(one author's bio and page), "comments" (the site's comment feed). `changed(*names)` gives
each a new version; a cached page remembers the versions it was built on, so a change makes
exactly the pages that show it stale (no global flush), and pages expire anyway at the next
time-driven change (`until`: a scheduled post going live, a discussion closing).

Each worker also keeps its latest pages in memory: a hit then reads only the versions from the
shared cache, not the page itself.

Never shared: staff (a session), a reader with a held comment of their own or one they may
still edit (signed cookies), a page with a flash message, anything but a 200 to a GET, a
response that sets a cookie (a CSRF token, say) or says it is private. Shared pages leave
out the per-visitor parts (CSRF token, the form's signed timestamp, remembered name and
email), which static/js/visitor.js fetches for this visitor (comments:form_token).
"""

import collections
import datetime
import functools
import hashlib
import threading
import time
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from comments.viewers import EDITABLE_COOKIE, HELD_COOKIE
from config.replica import reads_from_replica

PAGE_PREFIX = "page:"
VERSION_PREFIX = "pagever:"
# Query parameters that change a page; tracking parameters (?utm_source=…, ?fbclid=…) don't,
# so a post shared on social media stays one cached page. Any other parameter: not shared.
PAGE_PARAMETERS = {"page", "cpage", "replyto"}
TRACKING_PARAMETERS = {"fbclid", "gclid", "msclkid", "mc_cid", "mc_eid", "ref"}
# Response headers that belong to the visitor, never kept.
PRIVATE_HEADERS = {"set-cookie"}


@dataclass
class SharedPage:
    """What a view says about its page: the names it shows, and when time alone changes it."""

    dependencies: tuple
    versions: tuple
    until: object = None  # an aware datetime, or None
    key: str = ""


def personal_cookies():
    """Cookies that make a page this visitor's own."""
    return (settings.SESSION_COOKIE_NAME, HELD_COOKIE, EDITABLE_COOKIE, CookieStorage.cookie_name)


def page_key(request):
    """The cache key of this request's page, or None if its query string makes it unshareable."""
    params = []
    for name, value in parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True):
        if name in PAGE_PARAMETERS:
            if not (value.isdigit() and len(value) <= 9):
                return None  # not a number a link of ours makes: render it, don't keep it
            params.append((name, value))
        elif not (name.startswith("utm_") or name in TRACKING_PARAMETERS):
            return None
    address = request.path + ("?" + urlencode(sorted(params)) if params else "")
    return PAGE_PREFIX + hashlib.sha256(address.encode()).hexdigest()


def share(request, *dependencies, until=None):
    """Let this page be cached for every reader without a session, if this request is one of them.

    `until` (a datetime, or a function giving one) is when time alone changes the page.

    Call it before reading what the page shows: the versions are taken now, so a change
    committed while the page renders makes the stored copy stale at once.
    """
    key = getattr(request, "page_cache_key", None)
    if key:
        versions = current_versions(dependencies)
        moment = until() if callable(until) else until  # a callable costs nothing when not shared
        request.shared_page = SharedPage(tuple(dependencies), versions, moment, key)


def shared_page(*dependencies, until=None):
    """Decorate a view whose page is the same for every reader.

    Dependencies may name the URL's arguments: `shared_page("site", "post:{post_id}")`.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            share(request, *(name.format(**kwargs) for name in dependencies), until=until)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def is_shared(request):
    """Is this page being rendered for the shared cache? Then it must hold nothing of the visitor's."""
    return getattr(request, "shared_page", None) is not None


def changed(*names):
    """Make the pages that show `names` stale: now, and again once the transaction commits.

    Now, so the change shows at once inside a transaction that reads its own writes (and in
    tests, which never commit); again after the commit, because a reader may have cached
    the old rows under the first new version in between.
    """
    _bump(names)
    transaction.on_commit(lambda: _bump(names))


def _bump(names):
    cache.set_many({VERSION_PREFIX + name: _new_version() for name in names}, timeout=None)


def _new_version(changed_at=None):
    """A new version, stamped with when its change happened (see `_too_fresh_for_replica`)."""
    return f"{time.time() if changed_at is None else changed_at:.3f}:{uuid.uuid4().hex}"


def _too_fresh_for_replica(versions):
    """Was a page read from a lagging replica while one of its versions is newer than the lag?

    Then the replica may not have the change yet, and the page must not be kept under the new
    version (the next reader renders it again, by then from up-to-date rows).
    """
    if not reads_from_replica.get():
        return False
    newest = max((float(version.partition(":")[0]) for version in versions if version), default=0.0)
    return time.time() - newest < settings.REPLICA_LAG_SECONDS


def current_versions(names):
    """The versions of `names`; one the cache lost (evicted, say) starts afresh, which also invalidates."""
    keys = [VERSION_PREFIX + name for name in names]
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:
            cache.add(key, _new_version(changed_at=0), timeout=None)  # no change we know of
        found.update(cache.get_many(missing))
    return tuple(found.get(key) for key in keys)


def post_dependencies(post):
    """What a post's page shows: the site, the post with its comments, and its authors' bios."""
    return ("site", f"post:{post.pk}", *(f"author:{author.pk}" for author in post.byline))


def next_publication():
    """When the next scheduled post goes live (or None): every list of posts changes then."""
    from blog.models import Post  # blog.models is not imported at module level (middleware load order)

    versions = current_versions(["posts"])
    key = f"next-publication:{versions[0]}"
    cached = cache.get(key)
    if cached is None:
        upcoming = Post.objects.filter(status=Post.Status.PUBLISHED, published_at__gt=timezone.now())
        found = upcoming.order_by("published_at").values_list("published_at", flat=True).first()
        cached = found.timestamp() if found else 0
        cache.set(key, cached, timeout=settings.PAGE_CACHE_SECONDS)
    if cached and cached <= time.time():
        cache.delete(key)  # gone live: the next reader looks for the one after
        return None
    return datetime.datetime.fromtimestamp(cached, tz=datetime.UTC) if cached else None


def earliest(*moments):
    present = [moment for moment in moments if moment is not None]
    return min(present) if present else None


class SharedPageCacheMiddleware:
    """Serve and keep shared pages. Placed before sessions, CSRF and authentication, which a hit skips."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self.may_share(request):
            response = self.get_response(request)
            if request.method in ("GET", "HEAD") and not response.has_header("Cache-Control"):
                # A page for this visitor only: a CDN or proxy must not keep it.
                patch_cache_control(response, private=True)
            return response
        request.page_cache_key = key = page_key(request)
        if key is not None:
            hit = self.lookup(key)
            if hit is not None:
                return hit
        response = self.get_response(request)
        shared = getattr(request, "shared_page", None)
        if shared is not None and self.may_keep(request, response):
            self.keep(shared, response)
        elif not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True)
        return response

    @staticmethod
    def may_share(request):
        if settings.PAGE_CACHE_SECONDS <= 0 or request.method not in ("GET", "HEAD"):
            return False
        return not any(name in request.COOKIES for name in personal_cookies())

    @staticmethod
    def may_keep(request, response):
        return (
            request.method == "GET"
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "private" not in response.get("Cache-Control", "")
            and "no-store" not in response.get("Cache-Control", "")
        )

    def lookup(self, key):
        entry = _local_copy(key)
        if entry is None:
            entry = cache.get(key)
            if entry is None:
                return None
            _keep_local_copy(key, entry)
        dependencies, versions, expires_at, status, headers, content = entry
        if expires_at <= time.time() or current_versions(dependencies) != versions:
            _drop_local_copy(key)
            return None
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response.headers[name] = value
        return response

    def keep(self, shared, response):
        now = timezone.now()
        timeout = settings.PAGE_CACHE_SECONDS
        if shared.until is not None:
            timeout = min(timeout, int((shared.until - now).total_seconds()))
        response.headers["ETag"] = f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"'
        response.headers["Last-Modified"] = http_date(now.timestamp())
        patch_vary_headers(response, ["Cookie"])
        patch_cache_control(response, public=True, max_age=0, must_revalidate=True, s_maxage=settings.CDN_CACHE_SECONDS)
        if timeout <= 0 or _too_fresh_for_replica(shared.versions):
            return
        headers = [(name, value) for name, value in response.items() if name.lower() not in PRIVATE_HEADERS]
        expires_at = time.time() + timeout
        entry = (shared.dependencies, shared.versions, expires_at, response.status_code, headers, response.content)
        cache.set(shared.key, entry, timeout=timeout)
        _keep_local_copy(shared.key, entry)


# Each process also keeps its latest pages in memory, so a hit costs one small round trip to
# the shared cache (the versions) instead of fetching a page of a few hundred KB. Nothing gets
# less exact: the versions are still read from the shared cache on every hit, and a copy never
# outlives the shared entry's expiry.
LOCAL_COPIES_BYTES = 32 * 1024 * 1024
_local_copies = collections.OrderedDict()  # key -> entry, least recently used first
_local_lock = threading.Lock()


def _local_copy(key):
    with _local_lock:
        entry = _local_copies.get(key)
        if entry is not None:
            _local_copies.move_to_end(key)
        return entry


def _keep_local_copy(key, entry):
    with _local_lock:
        _local_copies[key] = entry
        _local_copies.move_to_end(key)
        total = sum(len(kept[-1]) for kept in _local_copies.values())
        while total > LOCAL_COPIES_BYTES and len(_local_copies) > 1:
            _, dropped = _local_copies.popitem(last=False)
            total -= len(dropped[-1])


def _drop_local_copy(key):
    with _local_lock:
        _local_copies.pop(key, None)
