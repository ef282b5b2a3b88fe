"""Send the email queue: moderators' digests that are due, then every queued email.

    python manage.py deliver_mail              # one round: from cron, `* * * * * manage.py deliver_mail`
    python manage.py deliver_mail --loop 10    # a worker process: a round every 10 seconds

Emails are queued in the database (comments.mail) when comments are posted and moderated;
this sends them through EMAIL_BACKEND. A failed send stays in the queue and is retried
after POST_OFFICE["RETRY_INTERVAL"], up to MAIL_MAX_RETRIES times. Each round runs under a
PostgreSQL advisory lock, so a second worker or an overlapping cron run skips the round
instead of sending the same emails twice. With --loop, SIGTERM or SIGINT (Ctrl-C) lets the
round finish, then the command exits.
"""

import logging
import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from post_office.settings import get_batch_size

from comments import mail, moderator_mail

# A session-level advisory lock (namespace, key) of its own: "Mail".
LOCK_NAMESPACE = 0x4D61696C
LOCK_KEY = 0

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Send due moderator digests and the queued emails; with --loop SECONDS, keep doing so."

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop",
            type=float,
            metavar="SECONDS",
            help="Run a round every SECONDS until SIGTERM or SIGINT, instead of once.",
        )

    def handle(self, *args, loop=None, **options):
        if loop is None:
            self.round(report_idle=True)
            return
        stopping = threading.Event()

        def stop(signum, frame):
            stopping.set()

        previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}
        try:
            while not stopping.is_set():
                try:
                    self.round(report_idle=False)
                except Exception:
                    # A worker outlives a database restart or a bad batch: log it, try again next round.
                    logger.exception("deliver_mail: the round failed")
                # The connection may have outlived CONN_MAX_AGE, or the server restarted, while we slept.
                close_old_connections()
                stopping.wait(loop)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def round(self, *, report_idle):
        """One round, unless another process holds the lock: digests, then the queue until it is empty."""
        if not self.lock():
            self.stdout.write("Another deliver_mail is sending; skipped this round.")
            return
        try:
            digests = moderator_mail.send_due_digests()
            sent = failed = requeued = 0
            while True:
                batch = mail.deliver()
                sent, failed, requeued = sent + batch[0], failed + batch[1], requeued + batch[2]
                # A full batch means more may wait; a failed email is rescheduled, so it never comes back at once.
                if sum(batch) < get_batch_size():
                    break
        finally:
            self.unlock()
        if report_idle or digests or sent or failed or requeued:
            self.stdout.write(f"Digests queued: {digests}. Sent: {sent}, failed: {failed}, to retry: {requeued}.")

    def lock(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, LOCK_KEY])
            return cursor.fetchone()[0]

    def unlock(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, LOCK_KEY])
