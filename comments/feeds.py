"""RSS and Atom feeds of approved comments: the whole site, and one post.

Only the commenter's name goes out, never an email: `item_author_email` is deliberately
not defined, and the email column is not even loaded.
"""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from blog.feeds import FEED_SIZE, absolute, absolute_links
from blog.models import Post, SiteSettings
from comments.trees import public_comments


class LatestCommentsFeed(Feed):
    """The newest approved comments on published posts (RSS 2.0)."""

    def title(self):
        return f"Comments on {SiteSettings.load().name}"

    def description(self):
        return f"The latest comments on {SiteSettings.load().name}"

    def link(self):
        return absolute("/")

    def feed_url(self):
        return absolute(reverse("comments:feed"))

    def comments(self):
        return (
            public_comments()
            .select_related("post")
            .defer("email", "ip_address", "user_agent", "body")
            .order_by("-created_at", "-pk")
        )

    def items(self):
        return self.comments()[:FEED_SIZE]

    def item_title(self, comment):
        return f"{comment.name} on {comment.post.title}"

    def item_description(self, comment):
        return absolute_links(comment.body_html)

    def item_link(self, comment):
        return absolute(comment.get_absolute_url())

    def item_pubdate(self, comment):
        return comment.created_at

    def item_updateddate(self, comment):
        return comment.edited_at or comment.created_at

    def item_author_name(self, comment):
        return comment.name


class LatestCommentsAtomFeed(LatestCommentsFeed):
    feed_type = Atom1Feed
    subtitle = LatestCommentsFeed.description

    def feed_url(self):
        return absolute(reverse("comments:feed_atom"))


class PostCommentsFeed(LatestCommentsFeed):
    """The newest approved comments on one published post."""

    def get_object(self, request, post_id):
        return get_object_or_404(Post.objects.published(), pk=post_id)

    def title(self, post):
        return f"Comments on {post.title}"

    def description(self, post):
        return f"The latest comments on “{post.title}”"

    def link(self, post):
        return absolute(f"{post.get_absolute_url()}#comments")

    def feed_url(self, post):
        return absolute(reverse("comments:post_feed", kwargs={"post_id": post.pk}))

    def items(self, post):
        return self.comments().filter(post=post)[:FEED_SIZE]


class PostCommentsAtomFeed(PostCommentsFeed):
    feed_type = Atom1Feed
    subtitle = PostCommentsFeed.description

    def feed_url(self, post):
        return absolute(reverse("comments:post_feed_atom", kwargs={"post_id": post.pk}))
