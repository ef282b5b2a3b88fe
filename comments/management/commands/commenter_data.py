"""What Colloquy stores about one commenter, by email: export it, or erase it.

    python manage.py commenter_data export EMAIL                 # everything stored, as JSON
    python manage.py commenter_data erase EMAIL                  # anonymise their comments, keep the text
    python manage.py commenter_data erase EMAIL --remove-text    # …and remove the text too

The email matches case-insensitively. `export` prints the commenter's comments (post,
dates, status, name, email, website, IP address, user agent, text, hold reasons) and the
bans on that email. `erase` anonymises every comment of theirs in one transaction through
`comments.services.comment_anonymise`: the name becomes "Anonymous" and the email,
website, IP address and user agent are erased; nodes never move, so threads keep their
shape. Bans on the email are kept (say so, and lift them in the admin if they should go).

The address's email record goes too: whether it was verified, its subscriptions and muted
posts (export lists them), and the emails sent or queued to it (django-post-office's log).
With `--remove-text` the earlier versions of edited comments are deleted as well.
"""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from post_office.models import Email

from blog.feeds import absolute
from comments.models import Ban, Comment, Commenter, CommentRevision, normalise_email
from comments.services import comment_anonymise


class Command(BaseCommand):
    help = "Export (as JSON) or erase what is stored about the commenter with this email."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{export,erase}")
        export = actions.add_parser("export", help="Print everything stored about the commenter, as JSON.")
        export.add_argument("email")
        erase = actions.add_parser("erase", help="Anonymise the commenter's comments, keeping threads intact.")
        erase.add_argument("email")
        erase.add_argument("--remove-text", action="store_true", help="Erase the comments' text too.")

    def handle(self, *args, action, email, remove_text=False, **options):
        email = email.strip()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"Not an email address: {email!r}") from None
        comments = Comment.objects.filter(email__iexact=email).select_related("post").order_by("created_at", "pk")
        bans = Ban.objects.filter(kind=Ban.Kind.EMAIL, value__iexact=email)
        commenter = Commenter.objects.filter(email=normalise_email(email)).first()
        if action == "export":
            self.export(email, comments, bans, commenter)
        else:
            self.erase(email, comments, bans, commenter, remove_text=remove_text)

    def export(self, email, comments, bans, commenter):
        data = {
            "email": email,
            "exported_at": timezone.now(),
            "comments": [
                {
                    "id": comment.pk,
                    "post": {"title": comment.post.title, "url": absolute(comment.post.get_absolute_url())},
                    "in_reply_to": comment.in_reply_to_id or comment.parent_id,
                    "written": comment.created_at,
                    "edited": comment.edited_at,
                    "status": comment.status,
                    "name": comment.name,
                    "email": comment.email,
                    "website": comment.website,
                    "ip_address": comment.ip_address,
                    "user_agent": comment.user_agent,
                    "text": comment.body,
                    "hold_reasons": comment.reason_labels,
                    "earlier_versions": [
                        {"text": revision.body, "written": revision.written_at, "replaced": revision.replaced_at}
                        for revision in comment.revisions.all()
                    ],
                }
                for comment in comments.prefetch_related("revisions")
            ],
            "email_record": commenter
            and {
                "first_seen": commenter.created_at,
                "verified": commenter.verified_at,
                "unsubscribed_from_everything": commenter.unsubscribed_at,
                "subscriptions": [
                    {"comment": subscription.comment_id, "kind": subscription.kind, "since": subscription.created_at}
                    for subscription in commenter.subscriptions.order_by("created_at")
                ],
                "muted_posts": list(commenter.muted_posts.values_list("post_id", flat=True)),
            },
            "emails_sent": Email.objects.filter(to__iexact=email).count(),
            "bans": [
                {"reason": ban.reason, "banned": ban.created_at, "expires": ban.expires_at}
                for ban in bans.order_by("created_at")
            ],
        }
        self.stdout.write(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))

    def erase(self, email, comments, bans, commenter, *, remove_text):
        with transaction.atomic():
            erased = list(comments.select_related(None).only("pk", "post_id"))
            comment_anonymise(erased, remove_text=remove_text)
            if remove_text:
                CommentRevision.objects.filter(comment__in=erased).delete()
            if commenter is not None:
                commenter.delete()  # with its subscriptions and muted posts
            mails, _kinds = Email.objects.filter(to__iexact=email).delete()
        posts = len({comment.post_id for comment in erased})
        kept = "removed" if remove_text else "kept"
        self.stdout.write(f"Anonymised {len(erased)} comment(s) by {email} on {posts} post(s); their text was {kept}.")
        if commenter is not None or mails:
            self.stdout.write(f"Deleted the email record, its subscriptions and {mails} logged email(s) to it.")
        if ban_count := bans.count():
            self.stdout.write(f"{ban_count} ban(s) on this email are kept: lift them in the admin if they should go.")
