"""Load the demo content: the seed post with its author and discussion, a few more posts, and
the About and Privacy pages in the menu.

Idempotent: running it again updates the same records instead of adding copies; a post
that already has comments keeps them.
"""

import datetime
import io
from pathlib import Path
from string import Template

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from PIL import Image, ImageDraw

from authors.models import Author, User
from blog.models import Category, Page, Post, PostAuthor, SiteSettings, Tag
from comments.models import Comment
from comments.services import comment_create

DEMO_DIR = Path(__file__).resolve().parent.parent.parent / "demo"
UTC = datetime.UTC

CATEGORIES = [
    # slug, name, parent slug, description
    ("world", "World", None, "Reporting and commentary from around the world."),
    ("asia", "Asia", "world", "East and South-East Asia."),
    ("middle-east", "Middle East", "world", "The Middle East and North Africa."),
    ("about-us", "About us", None, "How this publication works."),
]

AUTHORS = [
    {
        "slug": "eugene-bach",
        "name": "Eugene Bach",
        "job_title": "Back to Jerusalem",
        "bio_file": "eugene-bach.md",
        "avatar_colour": (138, 43, 6),
        # The login that writes as Eugene: his comments carry the Author badge. No password:
        # the demo has no shared secret; an admin can set one.
        "login": {"username": "eugene", "first_name": "Eugene", "last_name": "Bach"},
    },
    {
        "slug": "the-editors",
        "name": "The Editors",
        "job_title": "Colloquy",
        "bio": "The people who look after this publication and its comment sections.",
        "avatar_colour": (26, 95, 180),
    },
]

POSTS = [
    {
        "slug": "love-letters-between-north-korea-and-palestine",
        "title": "Love Letters Between North Korea and Palestine",
        "dek": "Pyongyang and the Palestinian leadership keep writing to each other. "
        "What their letters say about a friendship built on a common enemy.",
        "published_at": datetime.datetime(2020, 9, 29, 9, 30, tzinfo=UTC),
        "authors": ["eugene-bach"],
        "categories": ["asia", "middle-east"],
        "tags": ["North Korea", "Palestine", "Diplomacy"],
    },
    {
        "slug": "letters-as-diplomacy",
        "title": "Letters as Diplomacy",
        "dek": "What an exchange of congratulations between two governments can tell a careful reader.",
        "published_at": datetime.datetime(2020, 8, 14, 8, 0, tzinfo=UTC),
        "authors": ["eugene-bach", "the-editors"],
        "categories": ["world"],
        "tags": ["Diplomacy"],
    },
    {
        "slug": "how-we-moderate",
        "title": "How We Moderate Comments",
        "dek": "What we remove, what we keep, and what we never do with your details.",
        "published_at": datetime.datetime(2020, 7, 1, 12, 0, tzinfo=UTC),
        "authors": ["the-editors"],
        "categories": ["about-us"],
        "tags": ["Community"],
    },
    {
        "slug": "welcome-to-colloquy",
        "title": "Welcome to Colloquy",
        "dek": "A publishing system built around the conversation under every post.",
        "published_at": datetime.datetime(2020, 6, 1, 12, 0, tzinfo=UTC),
        "authors": ["the-editors"],
        "categories": ["about-us"],
        "tags": ["Community"],
    },
]

PAGES = [
    # slug, title, menu position, meta description; the body is demo/pages/<slug>.md
    ("about", "About Colloquy", 10, "Who writes Colloquy, and how its discussions work."),
    ("privacy", "Privacy", 20, "What Colloquy keeps about readers and commenters, why, and for how long."),
]


# The seed page's discussion, as it reads there. Each comment: its name (and the author whose
# login writes it), the comment it answers (an index into the list), when, and its text.
DISCUSSIONS = {
    "love-letters-between-north-korea-and-palestine": [
        {
            "name": "Karl Abraham",
            "email": "karl.abraham@example.com",
            "written": datetime.datetime(2020, 9, 30, 14, 12, tzinfo=UTC),
            "text_file": "karl-abraham.md",
        },
        {
            "name": "Eugene",
            "author": "eugene-bach",
            "reply_to": 0,
            "written": datetime.datetime(2020, 10, 1, 8, 47, tzinfo=UTC),
            "text_file": "eugene-bach.md",
        },
        {
            "name": "Abdul Momen",
            "email": "abdul.momen@example.com",
            "written": datetime.datetime(2020, 10, 3, 19, 5, tzinfo=UTC),
            "text_file": "abdul-momen.md",
        },
    ],
}


def slugify_tag(name):
    return name.lower().replace(" ", "-")


def initials_avatar(name, colour):
    """A plain PNG with the author's initials, so the demo has no binary files to ship."""
    image = Image.new("RGB", (400, 400), colour)
    draw = ImageDraw.Draw(image)
    initials = "".join(word[0] for word in name.split()[:2]).upper()
    draw.text((200, 200), initials, fill="white", anchor="mm", font_size=160)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return ContentFile(buffer.getvalue())


class Command(BaseCommand):
    help = "Load the demo content (the seed post, its author, a few more posts and pages). Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the database already has posts (make run)."
        )

    @transaction.atomic
    def handle(self, *args, if_empty=False, **options):
        if if_empty and Post.objects.exists():
            self.stdout.write("The database already has posts; demo content not loaded.")
            return
        site_settings = SiteSettings.load()
        categories = self.load_categories()
        authors = {spec["slug"]: self.load_author(spec) for spec in AUTHORS}
        for spec in POSTS:
            post = self.load_post(spec, authors, categories)
            self.load_discussion(post, DISCUSSIONS.get(post.slug, []), authors)
        self.load_pages(site_settings)
        summary = f"{len(POSTS)} posts by {len(authors)} authors, {len(PAGES)} pages"
        self.stdout.write(self.style.SUCCESS(f"Demo content loaded: {summary}."))

    def load_categories(self):
        categories = {}
        for slug, name, parent, description in CATEGORIES:
            categories[slug], _ = Category.objects.update_or_create(
                slug=slug,
                defaults={"name": name, "parent": categories.get(parent), "description": description},
            )
        return categories

    def load_author(self, spec):
        bio = (DEMO_DIR / spec["bio_file"]).read_text() if "bio_file" in spec else spec["bio"]
        author, _ = Author.objects.update_or_create(
            slug=spec["slug"], defaults={"name": spec["name"], "job_title": spec["job_title"], "bio": bio}
        )
        if not author.avatar:
            author.avatar.save(f"{spec['slug']}.png", initials_avatar(spec["name"], spec["avatar_colour"]))
        if "login" in spec and author.user is None:
            author.user = self.load_login(**spec["login"])
            author.save()
        return author

    def load_login(self, username, **names):
        user, created = User.objects.get_or_create(username=username, defaults=names)
        if created:
            user.set_unusable_password()
            user.save()
        return user

    def load_post(self, spec, authors, categories):
        post, _ = Post.objects.update_or_create(
            slug=spec["slug"],
            defaults={
                "title": spec["title"],
                "dek": spec["dek"],
                "body": (DEMO_DIR / f"{spec['slug']}.md").read_text(),
                "body_format": Post.BodyFormat.MARKDOWN,
                "status": Post.Status.PUBLISHED,
                "published_at": spec["published_at"],
            },
        )
        PostAuthor.objects.filter(post=post).delete()
        PostAuthor.objects.bulk_create(
            PostAuthor(post=post, author=authors[slug], order=order) for order, slug in enumerate(spec["authors"])
        )
        post.categories.set([categories[slug] for slug in spec["categories"]])
        post.tags.set(
            [Tag.objects.get_or_create(slug=slugify_tag(name), defaults={"name": name})[0] for name in spec["tags"]]
        )
        return post

    def load_pages(self, site_settings):
        """The menu's pages; the privacy page states the site's retention periods and becomes
        the comment form's privacy link unless another page already is."""
        pages = {}
        for slug, title, menu_order, description in PAGES:
            body = Template((DEMO_DIR / "pages" / f"{slug}.md").read_text()).substitute(
                commenter_data_days=site_settings.commenter_data_days,
                spam_retention_days=site_settings.spam_retention_days,
            )
            pages[slug], _ = Page.objects.update_or_create(
                slug=slug,
                defaults={
                    "title": title,
                    "body": body,
                    "status": Page.Status.PUBLISHED,
                    "in_menu": True,
                    "menu_order": menu_order,
                    "meta_description": description,
                },
            )
        if site_settings.privacy_page_id is None:
            site_settings.privacy_page = pages["privacy"]
            site_settings.save(update_fields=["privacy_page"])

    def load_discussion(self, post, specs, authors):
        """The post's comments through the one write path; left alone once the post has comments."""
        if Comment.objects.filter(post=post).exists():
            return
        written = []
        for spec in specs:
            author = authors.get(spec.get("author"))
            written.append(
                comment_create(
                    post=post,
                    parent=written[spec["reply_to"]] if "reply_to" in spec else None,
                    user=author.user if author else None,
                    name=spec["name"],
                    email=spec.get("email", ""),
                    body=(DEMO_DIR / "comments" / spec["text_file"]).read_text().strip(),
                    status=Comment.Status.APPROVED,
                    created_at=spec["written"],
                )
            )
