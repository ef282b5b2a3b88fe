"""Load the fixed data set that `make bench` measures, once.

    python manage.py bench_data                  # load it unless it is there already
    python manage.py bench_data --reset-posting  # also empty the two posts the posting runs write to

The demo content (`loaddemo`), with the seed post's discussion grown to 300 comments in
100 threads 3 deep; a post with 3,000 comments in 1,000 threads; 200 more posts so every
list page is full; two posts with 300 and 1,000 comments for the in-process profile
(`profile_pages`); two posts the posting runs write to (many threads, and one busy
thread); and an approved comment by the posting driver's commenter, so theirs are
approved rather than held as a first comment. Threads per page are set to 100, so the
300-comment page shows every comment, as in the issue's comparison with WordPress.

Everything is generated from a fixed random seed, so every run measures the same pages.
To load a changed data set, drop the database first.
"""

import datetime
import random

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from authors.models import Author
from blog.models import Category, Post, PostAuthor, SiteSettings, Tag
from comments.models import Comment, Commenter
from comments.services import build_trees

SEED_SLUG = "love-letters-between-north-korea-and-palestine"
BIG_SLUG = "bench-3000-comments"
PROFILE_SLUGS = {300: "bench-profile-300-comments", 1000: "bench-profile-1000-comments"}
POSTING_MANY_SLUG = "bench-posting-many-threads"
POSTING_ONE_SLUG = "bench-posting-one-thread"
# Present once everything below is loaded (it is written last, in the same transaction).
MARKER_SLUG = BIG_SLUG

LIST_POSTS = 200
THREADS_PER_PAGE = 100
POSTING_THREADS = 200
# The posting driver writes as this reader (bench/post_comment.lua).
TRUSTED_NAME = "Bench Reader"
TRUSTED_EMAIL = "bench.reader@example.com"

UTC = datetime.UTC
WORDS = [
    "letter",
    "reply",
    "embassy",
    "archive",
    "minister",
    "treaty",
    "border",
    "harbour",
    "winter",
    "summit",
    "press",
    "translation",
    "friendship",
    "trade",
    "council",
    "history",
    "promise",
    "river",
    "station",
    "village",
    "market",
    "question",
    "answer",
    "evidence",
    "source",
    "report",
    "speech",
    "delegation",
    "anniversary",
    "congress",
    "visit",
]
NAMES = ["Ada Park", "Bilal Haddad", "Chen Wei", "Dora Kim", "Emil Sato", "Farah Nasser", "Gil Ortega", "Hana Lee"]


def sentence(rng, words=(6, 16)):
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(*words)))
    return text[0].upper() + text[1:] + "."


def comment_text(rng):
    """One or two short paragraphs, now and then with emphasis: what readers typically write."""
    paragraphs = [" ".join(sentence(rng) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(1, 2))]
    if rng.random() < 0.3:
        paragraphs[0] = f"*{paragraphs[0]}*"
    return "\n\n".join(paragraphs)


def post_body(rng, paragraphs=6):
    sections = [" ".join(sentence(rng, (8, 20)) for _ in range(rng.randint(3, 5))) for _ in range(paragraphs)]
    sections.insert(paragraphs // 2, f"## {sentence(rng, (3, 6))[:-1]}")
    return "\n\n".join(sections)


def apply_site_settings():
    """100 threads per page: the 300-comment page shows every comment."""
    site_settings = SiteSettings.load()
    site_settings.comment_threads_per_page = THREADS_PER_PAGE
    site_settings.save()


def thread_sizes(rng, *, threads, comments):
    """`threads` sizes from 1 to 5 adding up to `comments`: a discussion's uneven threads."""
    sizes = [rng.randint(1, 5) for _ in range(threads)]
    while (excess := sum(sizes) - comments) != 0:
        index = rng.randrange(threads)
        sizes[index] = min(5, max(1, sizes[index] - (1 if excess > 0 else -1)))
    return sizes


class Command(BaseCommand):
    help = "Load the fixed data set `make bench` measures (once; --reset-posting empties the posting posts)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-posting",
            action="store_true",
            help="Give the two posts the posting runs write to their starting threads again.",
        )
        parser.add_argument(
            "--site-settings-only",
            action="store_true",
            help="Only apply the benchmark's discussion settings (for a database seed_bulk filled).",
        )

    def handle(self, *args, reset_posting=False, site_settings_only=False, **options):
        if site_settings_only:
            apply_site_settings()
            return
        if Post.objects.filter(slug=MARKER_SLUG).exists():
            self.stdout.write("The benchmark data set is already loaded.")
        else:
            call_command("loaddemo", stdout=self.stdout)
            self.load()
            self.stdout.write(self.style.SUCCESS("Benchmark data set loaded."))
        if reset_posting:
            self.reset_posting()

    @transaction.atomic
    def load(self):
        rng = random.Random(7)
        apply_site_settings()
        self.author = Author.objects.get(slug="the-editors")
        self.category = Category.objects.get(slug="world")
        self.tag, _ = Tag.objects.get_or_create(slug="benchmark", defaults={"name": "Benchmark"})
        start = datetime.datetime(2021, 1, 1, 8, 0, tzinfo=UTC)

        seed = Post.objects.get(slug=SEED_SLUG)
        # loaddemo wrote 3 comments in 2 threads: 98 more threads (97 of 3, one of 6) make 300 in 100.
        self.add_threads(seed, rng, [3] * 97 + [6], start)
        for number in range(LIST_POSTS):
            self.add_post(rng, f"bench-list-post-{number:03d}", start + datetime.timedelta(days=number))
        for size, slug in PROFILE_SLUGS.items():
            post = self.add_post(rng, slug, start - datetime.timedelta(days=30), seed=size)
            self.add_threads(post, rng, [size // 100] * 100, start)
        many = self.add_post(rng, POSTING_MANY_SLUG, start - datetime.timedelta(days=20))
        one = self.add_post(rng, POSTING_ONE_SLUG, start - datetime.timedelta(days=21))
        self.fill_posting(many, one)
        big = self.add_post(rng, BIG_SLUG, start + datetime.timedelta(days=LIST_POSTS + 1))
        self.add_threads(big, rng, thread_sizes(rng, threads=1000, comments=3000), start)

    def add_post(self, rng, slug, published_at, seed=None):
        """A published post with a byline, a category and a tag (rendered by Post.save)."""
        text_rng = random.Random(seed) if seed is not None else rng
        post = Post.objects.create(
            slug=slug,
            title=sentence(text_rng, (3, 8))[:-1],
            dek=sentence(text_rng),
            body=post_body(text_rng),
            body_format=Post.BodyFormat.MARKDOWN,
            status=Post.Status.PUBLISHED,
            published_at=published_at,
        )
        PostAuthor.objects.create(post=post, author=self.author, order=0)
        post.categories.set([self.category])
        post.tags.set([self.tag])
        return post

    def add_threads(self, post, rng, sizes, start):
        """Threads of the given sizes, each a chain up to 3 deep, then further replies under the root."""
        forest = []
        written = start
        for size in sizes:
            nodes = []
            for _ in range(size):
                written += datetime.timedelta(minutes=7)
                nodes.append(
                    (
                        Comment(
                            name=rng.choice(NAMES),
                            email=f"reader{rng.randint(1, 500)}@example.com",
                            body=comment_text(rng),
                            status=Comment.Status.APPROVED,
                            created_at=written,
                        ),
                        [],
                    )
                )
            root = nodes[0]
            for index, node in enumerate(nodes[1:], start=1):
                parent = nodes[index - 1] if index < 3 else root
                parent[1].append(node)
            forest.append(root)
        build_trees(post, forest)

    @transaction.atomic
    def reset_posting(self):
        many = Post.objects.get(slug=POSTING_MANY_SLUG)
        one = Post.objects.get(slug=POSTING_ONE_SLUG)
        # Whole posts' comments are whole trees: deleting them leaves every other tree intact.
        Comment.objects.filter(post__in=[many, one]).delete()
        self.fill_posting(many, one)
        self.stdout.write("Posting posts reset.")

    def fill_posting(self, many, one):
        rng = random.Random(11)
        start = datetime.datetime(2021, 1, 1, 8, 0, tzinfo=UTC)
        self.add_threads(many, rng, [1] * POSTING_THREADS, start)
        self.add_threads(one, rng, [1], start)
        # The driver's commenter has confirmed the address and has an approved comment, so theirs
        # skip the first-comment hold (comments.spam.is_trusted).
        trusted = Comment(
            name=TRUSTED_NAME, email=TRUSTED_EMAIL, body="First!", status=Comment.Status.APPROVED, created_at=start
        )
        build_trees(many, [(trusted, [])])
        Commenter.objects.update_or_create(email=TRUSTED_EMAIL, defaults={"verified_at": start})
