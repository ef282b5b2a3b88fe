from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap

from authors.models import Author
from blog.models import Page, Post


class SiteUrlSitemap(Sitemap):
    """Absolute URLs from SITE_URL rather than the request's host."""

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme


class PostSitemap(SiteUrlSitemap):
    changefreq = "weekly"

    def items(self):
        return Post.objects.published().order_by("-published_at")

    def lastmod(self, post):
        return post.updated_at


class AuthorSitemap(SiteUrlSitemap):
    changefreq = "monthly"

    def items(self):
        return Author.objects.filter(posts__in=Post.objects.published()).distinct().order_by("name")


class PageSitemap(SiteUrlSitemap):
    changefreq = "monthly"

    def items(self):
        return Page.objects.published().order_by("slug")

    def lastmod(self, page):
        return page.updated_at


sitemaps = {"posts": PostSitemap, "pages": PageSitemap, "authors": AuthorSitemap}
