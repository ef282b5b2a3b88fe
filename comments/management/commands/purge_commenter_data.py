"""Erase commenters' IP addresses and user agents after a while, and purge old spam.

    python manage.py purge_commenter_data            # do it, and say what was done
    python manage.py purge_commenter_data --dry-run  # say what it would do; change nothing

The periods are site settings (*Publishing → Site settings*):

- comments and reports older than "keep commenters' IP addresses and user agents for
  (days)" (90 by default) lose their IP address and user agent;
- spam and removed comments hidden for longer than "purge spam and removed comments after
  (days)" (30 by default; counted from the moderator's decision, else from when the
  comment was written) are deleted by `comments.services.comment_purge`, which keeps an
  empty, anonymous placeholder where replies hang below one.

Safe to run from cron as often as you like: every step is idempotent (a second run finds
nothing to do) and the purge takes the same tree locks as commenting, so the site keeps
taking comments meanwhile. See the README's "Privacy and data retention".
"""

import datetime

from django.core.management.base import BaseCommand
from django.db.models.functions import Coalesce
from django.utils import timezone

from blog.models import SiteSettings
from comments.models import Comment, CommentReport
from comments.services import HIDDEN_STATUSES, comment_purge


class Command(BaseCommand):
    help = "Erase commenters' IP addresses and user agents after N days and purge old spam and removed comments."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would be done; change nothing.")

    def handle(self, *args, dry_run=False, **options):
        settings = SiteSettings.load()
        now = timezone.now()
        data_days, spam_days = settings.commenter_data_days, settings.spam_retention_days
        would = "would be " if dry_run else ""

        due = (
            Comment.objects.filter(status__in=HIDDEN_STATUSES)
            .alias(hidden_since=Coalesce("moderated_at", "created_at"))
            .filter(hidden_since__lt=now - datetime.timedelta(days=spam_days))
            .only("pk")
        )
        deleted, emptied = comment_purge(due, dry_run=dry_run)
        self.stdout.write(
            f"Spam and removed comments hidden for over {spam_days} days: {deleted} {would}deleted, "
            f"{emptied} {would}emptied and kept as placeholders for the replies below them."
        )

        cutoff = now - datetime.timedelta(days=data_days)
        comments = Comment.objects.filter(created_at__lt=cutoff).exclude(ip_address=None, user_agent="")
        reports = CommentReport.objects.filter(created_at__lt=cutoff, ip_address__isnull=False)
        if dry_run:
            erased_comments, erased_reports = comments.count(), reports.count()
        else:
            erased_comments = comments.update(ip_address=None, user_agent="")
            erased_reports = reports.update(ip_address=None)
        self.stdout.write(
            f"Older than {data_days} days: the IP address and user agent of {erased_comments} comment(s) "
            f"and the IP address of {erased_reports} report(s) {would or 'were '}erased."
        )
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
