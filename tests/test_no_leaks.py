"""No commenter's email or IP address, and no hidden comment, appears anywhere public.

Crawls the demo site as a reader, from the home page and the feeds, sitemap, search,
error pages, permalinks and reply pages, following every same-site link, and looks in
every response's body, headers (redirects included) and cookies.
"""

import html
import io
import re
from collections import deque
from urllib.parse import quote, urljoin, urlsplit

import pytest
from django.core.management import call_command

from blog.models import Post, SiteSettings
from comments.models import Ban, Comment, CommentReport
from tests.factories import make_comment

pytestmark = pytest.mark.django_db

SEED = "love-letters-between-north-korea-and-palestine"
HIDDEN = [Comment.Status.PENDING, Comment.Status.SPAM, Comment.Status.REMOVED]
OWN_HOSTS = {"", "testserver", "colloquy.example"}
LINK = re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)["']|<(?:loc|link)>([^<]+)</(?:loc|link)>""")
SRCSET = re.compile(r"""srcset\s*=\s*["']([^"']+)["']""")
MAX_URLS = 600


class Commenters:
    """Comments with a distinct email, IP address and user agent each; hidden ones with a marked name and text."""

    def __init__(self):
        self.count = 0
        self.hidden = []

    def write(self, post, *, status=Comment.Status.APPROVED, parent=None):
        self.count += 1
        n = self.count
        hidden = status in HIDDEN
        comment = make_comment(
            post,
            parent=parent,
            status=status,
            # Zero-padded, so that no marker is the start of another.
            name=f"leakname-{n:03}" if hidden else f"Reader {n}",
            body=f"leaktext-{n:03}: the quokka sings." if hidden else f"Reader {n} has a view.",
            email=f"leak-check-{n}@example.org",
            ip_address=f"203.0.113.{n}",
            user_agent=f"LeakCheckBrowser/{n}",
            website=f"https://reader-{n}.example" if not hidden else "",
        )
        if hidden:
            self.hidden.append(comment)
        return comment


@pytest.fixture
def demo(db):
    """The demo site, plus comments of every status and shape on two posts, reports and bans."""
    call_command("loaddemo", stdout=io.StringIO())
    settings = SiteSettings.load()
    # Shallow replies (so some attach beside a hidden comment) and short pages (so pagination is crawled).
    settings.comment_max_depth, settings.comment_threads_per_page = 2, 2
    settings.save()
    commenters = Commenters()
    for post in Post.objects.filter(slug__in=[SEED, "how-we-moderate"]):
        visible = commenters.write(post)
        for status in HIDDEN:
            commenters.write(post, status=status)  # a hidden thread
            commenters.write(post, status=status, parent=visible)  # a hidden reply
            hidden_root = commenters.write(post, status=status)
            commenters.write(post, parent=hidden_root)  # an approved reply: the root becomes a placeholder
            answered = commenters.write(post, status=status, parent=visible)
            commenters.write(post, parent=answered)  # attached beside it, "in reply to" a hidden comment
        CommentReport.objects.create(comment=visible, reason="spam", ip_address="203.0.113.201", reporter="r1")
    Ban.objects.create(kind=Ban.Kind.EMAIL, value="leak-check-banned@example.org")
    Ban.objects.create(kind=Ban.Kind.IP, value="203.0.113.202")
    return commenters


def secrets(commenters):
    """Everything that must never be public."""
    found = set()
    for email, ip_address, user_agent in Comment.objects.values_list("email", "ip_address", "user_agent"):
        found |= {email, ip_address, user_agent, quote(email or "")}
    found |= set(CommentReport.objects.values_list("ip_address", flat=True))
    found |= set(Ban.objects.values_list("value", flat=True))
    for comment in commenters.hidden:
        found |= {comment.name, comment.body.split(":")[0]}
    return {secret for secret in found if secret}


def start_urls():
    published = Post.objects.published()
    urls = ["/", "/feed/", "/feed/atom/", "/comments/feed/", "/comments/feed/atom/", "/sitemap.xml", "/robots.txt"]
    urls += ["/healthz", "/no-such-page/", "/comments/999999999/", "/2019/01/no-such-post/"]
    urls += [f"/search/?q={words}" for words in ["letters", "quokka", "leak-check", "leakname", "comment"]]
    for post in published:
        urls += [f"/comments/post/{post.pk}/feed/", f"/comments/post/{post.pk}/feed/atom/"]
    for comment in Comment.objects.select_related("post"):
        urls += [
            f"/comments/{comment.pk}/",
            f"/comments/report/?comment={comment.pk}",
            f"{comment.post.get_absolute_url()}?replyto={comment.pk}",
            f"{comment.post.get_absolute_url()}?cpage=2&replyto={comment.pk}",
        ]
    return urls


def same_site(base, link):
    """`link` as a path on this site (no fragment), or None for other sites, admin and logout."""
    url = urlsplit(urljoin(base, html.unescape(link.strip())))
    if url.scheme not in ("", "http", "https") or url.netloc not in OWN_HOSTS:
        return None
    if url.path.startswith("/admin/") or "logout" in url.path:
        return None
    return f"{url.path}?{url.query}" if url.query else url.path


def links(base, text):
    for match in LINK.finditer(text):
        yield match[1] or match[2]
    for match in SRCSET.finditer(text):
        yield from (candidate.split()[0] for candidate in match[1].split(",") if candidate.strip())


def crawl(client):
    """Every response reachable from the start URLs: {url: (response, body)}."""
    queue, seen = deque(start_urls()), {}
    while queue and len(seen) < MAX_URLS:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        assert response.status_code < 500, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        seen[url] = response, body
        found = [response["Location"]] if response.has_header("Location") else []
        if response["Content-Type"].startswith(("text/", "application/rss", "application/atom", "application/xml")):
            found += links(url, body.decode())
        queue.extend(path for path in (same_site(url, link) for link in found) if path and path not in seen)
    assert not queue or len(seen) < MAX_URLS, "the crawl did not finish"
    return seen


def test_no_commenter_data_or_hidden_comment_is_public_anywhere(client, demo):
    forbidden = secrets(demo)
    assert len(demo.hidden) == 24 and len(forbidden) > 150

    pages = crawl(client)

    for url, (response, body) in pages.items():
        where = [body, *(f"{name}: {value}".encode() for name, value in response.items())]
        where.append(response.cookies.output().encode())
        for secret in forbidden:
            for text in where:
                assert secret.encode() not in text, f"{secret!r} leaks on {url}"
    visited = set(pages)
    assert len(visited) >= 150
    seed = Post.objects.get(slug=SEED).get_absolute_url()
    assert {seed, f"{seed}?cpage=2", "/sitemap.xml", "/comments/feed/", "/search/?q=quokka"} <= visited
    assert any(url.startswith("/static/") for url in visited) and any(url.startswith("/authors/") for url in visited)
    statuses = {response.status_code for response, _body in pages.values()}
    assert {200, 302, 404} <= statuses
