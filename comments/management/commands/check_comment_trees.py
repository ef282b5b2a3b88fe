"""Check every comment tree, and with --repair rebuild the broken ones.

    python manage.py check_comment_trees            # exit status 1 when a tree is broken
    python manage.py check_comment_trees --repair   # rebuild broken trees from parent pointers

The checks are `comments.trees.tree_errors`: intervals nest without overlapping,
rght - lft + 1 = 2 × size, one root per tree_id, one post per tree, levels match parents.
The repair is `comments.services.repair_trees`, under the exclusive forest lock, so it
can run while the site takes comments (writers wait for it).
"""

from django.core.management.base import BaseCommand, CommandError

from comments.models import Comment
from comments.services import repair_trees
from comments.trees import broken_trees


class Command(BaseCommand):
    help = "Validate every comment tree; with --repair, rebuild the broken ones from their parent pointers."

    def add_arguments(self, parser):
        parser.add_argument(
            "--repair",
            action="store_true",
            help="Rebuild broken trees under the exclusive tree lock, then check again.",
        )

    def handle(self, *args, repair=False, **options):
        broken = self.check_forest()
        if not broken:
            return
        if not repair:
            raise CommandError(f"{len(broken)} broken comment tree(s); run with --repair to rebuild them.")
        rebuilt = repair_trees(broken)
        self.stdout.write(f"Rebuilt {len(rebuilt)} tree(s): {', '.join(map(str, rebuilt))}.")
        if still_broken := self.check_forest():
            raise CommandError(f"{len(still_broken)} comment tree(s) are still broken; see the problems above.")

    def check_forest(self):
        """Print a summary and each problem; return the broken trees' problems by tree_id."""
        broken = broken_trees(Comment.objects.all())
        for tree_id, problems in broken.items():
            for problem in problems:
                self.stdout.write(f"tree {tree_id}: {problem}")
        trees = Comment.objects.values("tree_id").distinct().count()
        summary = f"Checked {trees} comment tree(s) ({Comment.objects.count()} comments): "
        if broken:
            self.stdout.write(self.style.ERROR(f"{summary}{len(broken)} broken."))
        else:
            self.stdout.write(self.style.SUCCESS(f"{summary}no problems."))
        return broken
