"""CPU time per post page, in this process, through the full Django handler with the page cache off.

    python manage.py profile_pages            # a table
    python manage.py profile_pages --json     # one JSON object, for bench/run.py

Measures the benchmark data set's pages (`bench_data`): the seed post with 300 comments,
and two posts with the same text and 100 threads holding 300 and 1,000 comments. Their
difference gives the cost of each additional comment, in CPU time and in HTML bytes.
Only this process's CPU counts: PostgreSQL's work runs in its own processes.
"""

import json
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import Client, override_settings

from blog.management.commands.bench_data import PROFILE_SLUGS, SEED_SLUG
from blog.models import Post


class Command(BaseCommand):
    help = "Profile the post page's CPU time per request in-process (page cache off) on the benchmark data set."

    def add_arguments(self, parser):
        parser.add_argument("--iterations", type=int, default=40, help="Requests timed per page (default 40).")
        parser.add_argument("--json", action="store_true", help="Print one JSON object instead of a table.")

    def handle(self, *args, iterations, json=False, **options):
        slugs = {"seed": SEED_SLUG, **{f"profile_{size}": slug for size, slug in PROFILE_SLUGS.items()}}
        posts = {name: Post.objects.filter(slug=slug).first() for name, slug in slugs.items()}
        if None in posts.values():
            raise CommandError("The benchmark data set is missing: run `manage.py bench_data` first.")
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(PAGE_CACHE_SECONDS=0, ALLOWED_HOSTS=hosts):
            client = Client()
            pages = {name: self.measure(client, post, iterations) for name, post in posts.items()}
        small, large = pages["profile_300"], pages["profile_1000"]
        added = large["comments"] - small["comments"]
        result = {
            "pages": pages,
            "view_cpu_ms": pages["seed"]["cpu_ms"],
            "cpu_ms_per_100_comments": large["cpu_ms"] / large["comments"] * 100,
            "us_per_added_comment": (large["cpu_ms"] - small["cpu_ms"]) * 1000 / added,
            "bytes_per_added_comment": (large["bytes"] - small["bytes"]) / added,
        }
        if json:
            self.stdout.write(_dumps(result))
            return
        for name, page in pages.items():
            self.stdout.write(
                f"{name:12} {page['comments']:5} comments  {page['cpu_ms']:7.2f} ms CPU  "
                f"{page['wall_ms']:7.2f} ms wall  {page['bytes']:8} bytes"
            )
        self.stdout.write(
            f"{result['cpu_ms_per_100_comments']:.2f} ms CPU per 100 comments (1,000-comment post); "
            f"{result['us_per_added_comment']:.1f} µs and {result['bytes_per_added_comment']:.0f} bytes "
            "per additional comment"
        )

    @staticmethod
    def measure(client, post, iterations):
        url = post.get_absolute_url()
        for _ in range(3):  # warm: templates compiled, connections open, settings cached
            response = client.get(url)
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code}")
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(iterations):
            client.get(url)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        return {
            "url": url,
            "comments": post.comment_count,
            "cpu_ms": cpu * 1000 / iterations,
            "wall_ms": wall * 1000 / iterations,
            "bytes": len(response.content),
        }


def _dumps(value):
    return json.dumps(value, indent=None)
