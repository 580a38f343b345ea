from django.contrib.auth.management import create_permissions
from django.db import migrations


def apply_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    from editorial.roles import sync_groups

    sync_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def index_frozen_revisions(apps, schema_editor):
    """Revisions frozen before the index existed get their rows now."""
    from curation.featured import rows_for
    from newsletter.content.snapshot import Snapshot

    Revision = apps.get_model("newsletter", "Revision")
    FeaturedLink = apps.get_model("curation", "FeaturedLink")
    for revision in Revision.objects.only("id", "issue_number", "snapshot").iterator():
        rows = rows_for(Snapshot.from_json(revision.snapshot), revision.id, revision.issue_number)
        FeaturedLink.objects.bulk_create(FeaturedLink(**row) for row in rows)


class Migration(migrations.Migration):
    dependencies = [
        ("curation", "0002_inbox_featured_checks"),
        ("editorial", "0002_roles"),
        ("newsletter", "0009_live_numbers_belong_to_their_issue"),
    ]

    operations = [
        migrations.RunPython(apply_roles, migrations.RunPython.noop),
        migrations.RunPython(index_frozen_revisions, migrations.RunPython.noop),
    ]
