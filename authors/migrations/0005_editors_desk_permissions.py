from django.db import migrations

from authors.roles import sync_roles


def update_roles(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    """Body images for Authors and Editors; pages and redirects for Editors."""

    dependencies = [
        ("authors", "0004_ban_permissions"),
        ("blog", "0005_editors_desk"),
        ("redirects", "0002_alter_redirect_new_path_help_text"),
    ]

    operations = [
        migrations.RunPython(update_roles, migrations.RunPython.noop),
    ]
