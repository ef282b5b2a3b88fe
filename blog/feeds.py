"""RSS and Atom feeds: the whole site, a category, an author. Absolute URLs come from SITE_URL."""

import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from authors.models import Author
from blog.models import Category, Post, SiteSettings

FEED_SIZE = 20

# Root-relative links and images in sanitised HTML. nh3 always quotes attributes with `"` and
# escapes `<` in text, so this only matches real tags, never code samples.
ROOT_RELATIVE = re.compile(r'(<(?:a|img)\s[^>]*?\b(?:href|src)=")/(?!/)')


def absolute(path):
    return f"{settings.SITE_URL}{path}"


def absolute_links(html):
    """Feed readers have no page to resolve `/media/…` or `/2024/…` against: give them SITE_URL."""
    return ROOT_RELATIVE.sub(rf"\g<1>{settings.SITE_URL}/", html)


class LatestPostsFeed(Feed):
    """Newest published posts (RSS 2.0)."""

    def title(self):
        return SiteSettings.load().name

    def description(self):
        return SiteSettings.load().tagline

    def link(self):
        return absolute("/")

    def feed_url(self):
        return absolute(reverse("blog:feed"))

    def posts(self):
        return Post.objects.published().with_bylines()

    def items(self):
        return self.posts()[:FEED_SIZE]

    def item_title(self, post):
        return post.title

    def item_description(self, post):
        return absolute_links(post.body_html)

    def item_link(self, post):
        return absolute(post.get_absolute_url())

    def item_pubdate(self, post):
        return post.published_at

    def item_updateddate(self, post):
        return post.updated_at

    def item_author_name(self, post):
        return ", ".join(author.name for author in post.byline)

    def item_categories(self, post):
        return [category.name for category in post.categories.all()]


class LatestPostsAtomFeed(LatestPostsFeed):
    feed_type = Atom1Feed
    subtitle = LatestPostsFeed.description

    def feed_url(self):
        return absolute(reverse("blog:feed_atom"))


class CategoryFeed(LatestPostsFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Category, slug=slug)

    def feed_url(self, category):
        return absolute(reverse("blog:category_feed", kwargs={"slug": category.slug}))

    def title(self, category):
        return f"{SiteSettings.load().name}: {category.name}"

    def description(self, category):
        return category.description or f"Posts in {category.name}"

    def link(self, category):
        return absolute(category.get_absolute_url())

    def items(self, category):
        return self.posts().filter(categories=category)[:FEED_SIZE]


class AuthorFeed(LatestPostsFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Author, slug=slug)

    def feed_url(self, author):
        return absolute(reverse("authors:author_feed", kwargs={"slug": author.slug}))

    def title(self, author):
        return f"{SiteSettings.load().name}: {author.name}"

    def description(self, author):
        return f"Posts by {author.name}"

    def link(self, author):
        return absolute(author.get_absolute_url())

    def items(self, author):
        return self.posts().filter(authors=author)[:FEED_SIZE]
