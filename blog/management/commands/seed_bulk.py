"""Fill the database with realistic benchmark data, fast.

    python manage.py seed_bulk --posts 10000 --comments 1000000 --max-depth 5 --seed 1

Adds a few dozen authors, categories and tags (reused when they exist), then published
posts and threaded comments spread unevenly over them, with PostgreSQL's COPY, in one
transaction under the exclusive comment-tree lock (see blog.bulk). The new trees are
checked as check_comment_trees does before the transaction commits. The same seed gives
the same data.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from blog import bulk


class Command(BaseCommand):
    help = "Add N published posts and M threaded comments of realistic benchmark data, with COPY."

    def add_arguments(self, parser):
        parser.add_argument("--posts", type=int, default=100)
        parser.add_argument("--comments", type=int, default=1000, help="Comments in all, spread over the posts.")
        parser.add_argument("--max-depth", type=int, default=5, help="Levels of a thread (1: no replies).")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--workers", type=int, default=None, help="Processes rendering comment cards (default: every CPU)."
        )

    def handle(self, *args, posts, comments, max_depth, seed, workers, **options):
        if posts < 1 or comments < 0 or max_depth < 1:
            raise CommandError("--posts and --max-depth must be at least 1, --comments not negative.")
        started = time.perf_counter()
        log = self.stdout.write if options["verbosity"] > 1 else None
        try:
            report = bulk.seed(posts=posts, comments=comments, max_depth=max_depth, seed=seed, workers=workers, log=log)
        except bulk.SeedError as error:
            for problem in error.problems[:50]:
                self.stderr.write(problem)
            raise CommandError(f"{error}; nothing was written.") from error
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {report.posts} posts and {report.comments} comments ({report.rows} rows) "
                f"in {elapsed:.1f} s: {report.rows / elapsed:,.0f} rows/s."
            )
        )
