from django.core.management.base import BaseCommand

from authors.roles import ROLES, sync_roles


class Command(BaseCommand):
    """Re-create the Editors, Authors and Moderators groups with their permissions.

    Safe to run any time: each group ends with exactly the permissions in authors/roles.py,
    whatever was granted or removed by hand in the admin.
    """

    help = "Re-create the Editors, Authors and Moderators groups with their permissions."

    def handle(self, *args, **options):
        sync_roles()
        self.stdout.write(self.style.SUCCESS(f"Synchronised {', '.join(ROLES)}."))
