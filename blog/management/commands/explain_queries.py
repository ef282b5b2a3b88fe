"""Print the SQL and PostgreSQL's plan of every query a public page runs, to check their indexes.

    python manage.py explain_queries > plans.txt

Each query is EXPLAINed with ANALYZE and BUFFERS (so it really runs) on the busiest
examples in the database: the post with most comments, the author, category and tag with
most posts, the latest month. `make bench` saves the output for the large data set
(`seed_bulk`); tests/test_indexes.py checks that each plan reads its main table by index.
"""

import datetime
import re

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from authors.models import Author
from blog.models import Category, Post, Tag
from blog.search import search_posts
from blog.views import POSTS_PER_PAGE
from comments.feeds import LatestCommentsFeed
from comments.models import Comment
from comments.trees import NODE_FIELDS, Viewer, visible_threads

SEARCH_WORDS = "harbour memory"
EXECUTION_TIME = re.compile(r"Execution Time: ([\d.]+) ms")
SEQ_SCAN = re.compile(r"Seq Scan on (blog_post|comments_comment)\b")


def public_queries():
    """(name, main table, queryset) of each public query, on the busiest examples in the database."""
    published = Post.objects.published()
    post = published.order_by("-comment_count", "pk").first()
    if post is None:
        raise CommandError("No published posts: run seed_bulk first.")
    author = Author.objects.annotate(post_count=Count("posts")).order_by("-post_count", "pk").first()
    category = Category.objects.annotate(post_count=Count("posts")).order_by("-post_count", "pk").first()
    tag = Tag.objects.annotate(post_count=Count("posts")).order_by("-post_count", "pk").first()
    latest = timezone.localtime(published.latest("published_at").published_at)
    month = latest.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    next_month = (month + datetime.timedelta(days=32)).replace(day=1)
    page_of_threads = visible_threads(post, Viewer())[:50]
    return [
        ("home page", "blog_post", published.order_by("-sticky", "-published_at", "-pk")[:POSTS_PER_PAGE]),
        ("post by year/month/slug", "blog_post", published.filter(slug=post.slug)),
        ("author's posts", "blog_post", published.filter(authors=author)[:POSTS_PER_PAGE]),
        ("category's posts", "blog_post", published.filter(categories=category)[:POSTS_PER_PAGE]),
        ("tag's posts", "blog_post", published.filter(tags=tag)[:POSTS_PER_PAGE]),
        (
            "month archive",
            "blog_post",
            published.filter(published_at__gte=month, published_at__lt=next_month).order_by("-published_at")[
                :POSTS_PER_PAGE
            ],
        ),
        ("post's visible threads", "comments_comment", page_of_threads),
        (
            "rows of a page of threads",
            "comments_comment",
            Comment.objects.filter(tree_id__in=list(page_of_threads))
            .order_by("tree_id", "lft")
            .values_list(*NODE_FIELDS),
        ),
        ("site comment feed", "comments_comment", LatestCommentsFeed().items()),
        ("search", "blog_post", search_posts(SEARCH_WORDS)[:POSTS_PER_PAGE]),
    ]


class Command(BaseCommand):
    help = "EXPLAIN (ANALYZE, BUFFERS) every public query on the busiest examples, with its SQL and time."

    def handle(self, *args, **options):
        summary = []
        for name, table, queryset in public_queries():
            plan = queryset.explain(analyze=True, buffers=True)
            sql = connection.ops.compose_sql(*queryset.query.sql_with_params())
            self.stdout.write(f"== {name} ==\n{sql}\n\n{plan}\n")
            found = EXECUTION_TIME.search(plan)
            scanned = sorted(set(SEQ_SCAN.findall(plan)))
            reads = f"sequential scan of {', '.join(scanned)}" if scanned else f"{table} by index"
            summary.append(f"{name:28} {float(found.group(1)) if found else float('nan'):10.3f} ms  {reads}")
        self.stdout.write("== summary (execution time, how the tables are read) ==")
        self.stdout.write("\n".join(summary))
