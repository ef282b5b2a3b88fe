"""Import the comments of a Disqus XML export into the posts their threads were on.

    python manage.py import_disqus disqus-export.xml
    python manage.py import_disqus disqus-export.xml --dry-run          # report only, write nothing
    python manage.py import_disqus disqus-export.xml --map threads.csv  # match some threads by hand

Each Disqus thread is matched to a post by its link's path: a post's own address, or an
old address that the redirect table sends to a post (as the WordPress import records
them). `--map` lines `disqus_thread_link_or_id,colloquy_post_url_or_slug` take precedence.
Comments keep their nesting at any depth, their author, email (never shown), IP address
and date; spam stays spam, deleted ones are kept as removed, the rest are approved. Their
HTML is reduced to the comment allowlist. Threads that match no post are listed and
skipped. A second run, or an overlapping export, adds only the comments not imported yet.
Any error (malformed XML, a bad date) names its line and changes nothing.
"""

from django.core.management.base import BaseCommand, CommandError

from comments.disqus import DisqusError, import_disqus, read_thread_map


class Command(BaseCommand):
    help = "Import comments from a Disqus XML export, matching its threads to posts by their address."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The Disqus export (XML).")
        parser.add_argument("--dry-run", action="store_true", help="Print the report, write nothing.")
        parser.add_argument(
            "--map",
            dest="map_file",
            metavar="CSV",
            help="Lines `disqus_thread_link_or_id,colloquy_post_url_or_slug` matching threads to posts.",
        )

    def handle(self, *args, file, dry_run=False, map_file=None, verbosity=1, **options):
        progress = self.stdout.write if verbosity >= 1 else None
        try:
            thread_map = read_thread_map(map_file) if map_file else {}
            report = import_disqus(file, thread_map=thread_map, dry_run=dry_run, progress=progress)
        except DisqusError as error:
            raise CommandError(f"{error} (nothing was imported)") from None
        for line in report.lines():
            self.stdout.write(line)
