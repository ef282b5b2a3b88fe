from django.db import migrations

from authors.roles import sync_roles


def update_roles(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    """Give Moderators (and so Editors) the comment permissions, now that comments exist."""

    dependencies = [
        ("authors", "0002_roles"),
        ("comments", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(update_roles, migrations.RunPython.noop),
    ]
