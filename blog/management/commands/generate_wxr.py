"""Write a synthetic WordPress export, for benchmarks of the importer and for trying it out.

    python manage.py generate_wxr /tmp/big.xml --posts 1000 --comments 100000

The file is WXR 1.2 as WordPress writes it: two authors, a few nested categories and
tags, published posts with wpautop-style bodies, and comments spread over the posts in
threads of varied depth with every status WordPress uses. The same arguments (and
--seed) always give the same file.
"""

import datetime
import random

from django.core.management.base import BaseCommand, CommandError

BASE_URL = "https://generated.example"
MAX_DEPTH = 12
STATUSES = ["1"] * 90 + ["0"] * 5 + ["spam"] * 3 + ["trash"] * 2
WORDS = [
    "the", "discussion", "of", "threads", "and", "replies", "keeps", "every", "comment",
    "where", "its", "writer", "put", "it", "so", "nothing", "is", "lost",
]  # fmt: skip


def cdata(text):
    """`text` as CDATA, split where it contains "]]>" (as WordPress's exporter does)."""
    return "<![CDATA[" + str(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def sentence(rng, words=12):
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


class Command(BaseCommand):
    help = "Write a synthetic WXR file with N posts and M threaded comments (for benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("out", help="Where to write the file.")
        parser.add_argument("--posts", type=int, default=100)
        parser.add_argument("--comments", type=int, default=1000, help="Comments in all, spread over the posts.")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, out, posts, comments, seed, **options):
        if posts < 1 or comments < 0:
            raise CommandError("--posts must be at least 1 and --comments not negative.")
        rng = random.Random(seed)
        start = datetime.datetime(2015, 1, 1, 9, 0)
        with open(out, "w", encoding="utf-8") as file:
            file.write(self.header())
            comment_id = 0
            for number in range(1, posts + 1):
                share = comments // posts + (1 if number <= comments % posts else 0)
                date = start + datetime.timedelta(days=number)
                file.write(self.item(rng, number, date, range(comment_id + 1, comment_id + share + 1)))
                comment_id += share
            file.write("</channel>\n</rss>\n")
        self.stdout.write(f"Wrote {posts} posts and {comments} comments to {out}.")

    def header(self):
        lines = [
            '<?xml version="1.0" encoding="UTF-8" ?>',
            '<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"'
            ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
            ' xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/"'
            ' xmlns:wp="http://wordpress.org/export/1.2/">',
            "<channel>",
            "<title>Generated</title>",
            f"<link>{BASE_URL}</link>",
            "<wp:wxr_version>1.2</wp:wxr_version>",
            f"<wp:base_site_url>{BASE_URL}</wp:base_site_url>",
            f"<wp:base_blog_url>{BASE_URL}</wp:base_blog_url>",
        ]
        for author_id, login in ((1, "editor"), (2, "writer")):
            lines.append(
                f"<wp:author><wp:author_id>{author_id}</wp:author_id><wp:author_login>{cdata(login)}</wp:author_login>"
                f"<wp:author_email>{cdata(login + '@generated.example')}</wp:author_email>"
                f"<wp:author_display_name>{cdata(login.title())}</wp:author_display_name>"
                "<wp:author_first_name><![CDATA[]]></wp:author_first_name>"
                "<wp:author_last_name><![CDATA[]]></wp:author_last_name></wp:author>"
            )
        for term_id, slug, parent in ((1, "news", ""), (2, "local-news", "news"), (3, "essays", "")):
            lines.append(
                f"<wp:category><wp:term_id>{term_id}</wp:term_id><wp:category_nicename>{cdata(slug)}"
                f"</wp:category_nicename><wp:category_parent>{cdata(parent)}</wp:category_parent>"
                f"<wp:cat_name>{cdata(slug.replace('-', ' ').title())}</wp:cat_name></wp:category>"
            )
        lines.append(
            "<wp:tag><wp:term_id>4</wp:term_id><wp:tag_slug><![CDATA[threads]]></wp:tag_slug>"
            "<wp:tag_name><![CDATA[threads]]></wp:tag_name></wp:tag>"
        )
        return "\n".join(lines) + "\n"

    def item(self, rng, number, date, comment_ids):
        stamp = date.strftime("%Y-%m-%d %H:%M:%S")
        login = "editor" if number % 2 else "writer"
        category = ("news", "local-news", "essays")[number % 3]
        body = "\n\n".join(f"{sentence(rng)}\n{sentence(rng)}" for _ in range(3))
        parts = [
            "<item>",
            f"<title>{cdata(f'Generated post {number}')}</title>",
            f"<link>{BASE_URL}/{date:%Y/%m/%d}/generated-post-{number}/</link>",
            f'<guid isPermaLink="false">{BASE_URL}/?p={number}</guid>',
            f"<dc:creator>{cdata(login)}</dc:creator>",
            f"<content:encoded>{cdata(body)}</content:encoded>",
            f"<excerpt:encoded>{cdata(sentence(rng, 8))}</excerpt:encoded>",
            f"<wp:post_id>{number}</wp:post_id>",
            f"<wp:post_date>{cdata(stamp)}</wp:post_date>",
            f"<wp:post_date_gmt>{cdata(stamp)}</wp:post_date_gmt>",
            "<wp:comment_status><![CDATA[open]]></wp:comment_status>",
            f"<wp:post_name>{cdata(f'generated-post-{number}')}</wp:post_name>",
            "<wp:status><![CDATA[publish]]></wp:status>",
            "<wp:post_parent>0</wp:post_parent>",
            "<wp:menu_order>0</wp:menu_order>",
            "<wp:post_type><![CDATA[post]]></wp:post_type>",
            "<wp:post_password><![CDATA[]]></wp:post_password>",
            "<wp:is_sticky>0</wp:is_sticky>",
            f'<category domain="category" nicename="{category}">{cdata(category.title())}</category>',
            '<category domain="post_tag" nicename="threads"><![CDATA[threads]]></category>',
        ]
        depth, written = {0: 0}, []
        for offset, comment_id in enumerate(comment_ids):
            # Half the comments answer a recent one: threads of varied depth, up to MAX_DEPTH.
            recent = [earlier for earlier in written[-8:] if depth[earlier] < MAX_DEPTH]
            parent = rng.choice(recent) if recent and rng.random() < 0.5 else 0
            depth[comment_id] = depth[parent] + 1
            written.append(comment_id)
            text = f"{sentence(rng, 20)}\n\n{sentence(rng)}"
            when = (date + datetime.timedelta(minutes=offset + 1)).strftime("%Y-%m-%d %H:%M:%S")
            parts.append(
                "<wp:comment>"
                f"<wp:comment_id>{comment_id}</wp:comment_id>"
                f"<wp:comment_author>{cdata(f'Reader {comment_id % 500}')}</wp:comment_author>"
                f"<wp:comment_author_email>{cdata(f'reader{comment_id % 500}@example.com')}</wp:comment_author_email>"
                "<wp:comment_author_url>https://reader.example/</wp:comment_author_url>"
                f"<wp:comment_author_IP>{cdata(f'192.0.2.{comment_id % 250 + 1}')}</wp:comment_author_IP>"
                f"<wp:comment_date>{cdata(when)}</wp:comment_date>"
                f"<wp:comment_date_gmt>{cdata(when)}</wp:comment_date_gmt>"
                f"<wp:comment_content>{cdata(text)}</wp:comment_content>"
                f"<wp:comment_approved>{cdata(rng.choice(STATUSES))}</wp:comment_approved>"
                "<wp:comment_type><![CDATA[comment]]></wp:comment_type>"
                f"<wp:comment_parent>{parent}</wp:comment_parent>"
                "<wp:comment_user_id>0</wp:comment_user_id>"
                "</wp:comment>"
            )
        parts.append("</item>")
        return "\n".join(parts) + "\n"
