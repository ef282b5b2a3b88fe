"""Re-render every comment's stored public card, after its template (or the time zone) changed."""

from django.core.management.base import BaseCommand

from blog import page_cache
from comments.fragments import rerender
from comments.models import Comment


class Command(BaseCommand):
    help = "Re-render the stored public HTML of every comment (after changing comments/comment_card.html)."

    def handle(self, *args, **options):
        written = rerender(Comment.objects.all())
        # Every post page shows the cards: refresh them all, once.
        post_ids = Comment.objects.values_list("post_id", flat=True).distinct()
        page_cache.changed("comments", *(f"post:{post_id}" for post_id in post_ids))
        self.stdout.write(f"Re-rendered {written:,} comment(s).")
