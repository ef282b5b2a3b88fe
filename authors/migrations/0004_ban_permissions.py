from django.db import migrations

from authors.roles import sync_roles


def update_roles(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    """Let Moderators (and so Editors) ban commenters, now that bans exist."""

    dependencies = [
        ("authors", "0003_moderator_role"),
        ("comments", "0003_alter_comment_hold_reasons_ban"),
    ]

    operations = [
        migrations.RunPython(update_roles, migrations.RunPython.noop),
    ]
