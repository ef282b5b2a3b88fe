"""Import a WordPress export (WXR 1.0–1.2): authors, terms, posts, pages, images and comment threads.

    python manage.py import_wxr export.xml
    python manage.py import_wxr export.xml --dry-run
    python manage.py import_wxr export.xml --media-dir wp-content/uploads --author-map authors.csv --create-users

All or nothing: a file that cannot be read ends with "line N: reason" and changes
nothing. Running it again, or on a later export of the same site, adds only what is new.
The author map is a CSV of `wordpress_login,colloquy_author` lines (an Author's slug or
a username). See blog/wordpress/importer.py for what maps to what.
"""

from django.core.management.base import BaseCommand, CommandError

from blog.wordpress.importer import import_wxr, read_author_map
from blog.wordpress.wxr import WxrError, read_wxr


class Command(BaseCommand):
    help = "Import a WordPress export file (WXR): posts, pages, authors, terms, images and threaded comments."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The WXR file WordPress exported (Tools → Export).")
        parser.add_argument("--dry-run", action="store_true", help="Read and report everything, then write nothing.")
        parser.add_argument("--media-dir", help="A copy of wp-content/uploads, where attachments' files are read.")
        parser.add_argument(
            "--author-map", help="CSV of wordpress_login,colloquy_author (an author slug or a username) lines."
        )
        parser.add_argument(
            "--create-users",
            action="store_true",
            help="Give each new author an inactive login (an editor enables it).",
        )

    def handle(self, *args, file, dry_run=False, media_dir=None, author_map=None, create_users=False, **options):
        try:
            authors = read_author_map(author_map) if author_map else {}
        except (OSError, ValueError) as error:
            raise CommandError(f"Author map: {error}") from error
        try:
            report = import_wxr(
                read_wxr(file),
                media_dir=media_dir,
                author_map=authors,
                create_users=create_users,
                dry_run=dry_run,
                progress=self.stdout.write,
            )
        except WxrError as error:
            raise CommandError(f"{file}: {error} (nothing was imported)") from error
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror or error} (nothing was imported)") from error
        for line in report.lines():
            self.stdout.write(line)
