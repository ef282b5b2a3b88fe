"""`python manage.py export_wxr OUT.xml`: the whole site as a WordPress eXtended RSS (WXR 1.2) file."""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from blog.wordpress.export import export_wxr


class Command(BaseCommand):
    help = (
        "Write every post, page, author, category, tag and comment to OUT.xml as WordPress's exporter does "
        "(WXR 1.2), for WordPress or another Colloquy. The file holds email and IP addresses: only this "
        "file is written, readable by its owner alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the file to write (replaced if it exists)")

    def handle(self, path, **options):
        try:
            # Owner-only from the start: the file holds commenters' emails and IP addresses.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}") from error
        outermost = not connection.in_atomic_block
        try:
            with open(descriptor, "w", encoding="utf-8") as out, transaction.atomic():
                if outermost:
                    _snapshot()
                counts = export_wxr(out)
        except BaseException:
            os.remove(path)  # never leave half a file that looks like an export
            raise
        summary = ", ".join(
            f"{counts[key]} {key}" for key in ("posts", "pages", "comments", "authors", "categories", "tags")
        )
        self.stdout.write(f"Wrote {summary} to {path}.")
        self.stdout.write("It holds authors' and commenters' email and IP addresses: keep it private.")


def _snapshot():
    """One consistent view of the site for the whole export, as WordPress takes its snapshot of IDs."""
    with connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
