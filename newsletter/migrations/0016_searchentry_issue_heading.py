"""Each search row holds its issue's title and slug, read until now from the snapshot."""

from django.db import migrations, models

FILL = """
    UPDATE newsletter_searchentry AS entry
    SET issue_title = COALESCE(revision.snapshot #>> '{issue,title}', ''),
        issue_slug = COALESCE(revision.snapshot #>> '{issue,slug}', '')
    FROM newsletter_revision AS revision
    WHERE revision.id = entry.revision_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0015_publication_listeners"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchentry",
            name="issue_title",
            field=models.TextField(blank=True, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="searchentry",
            name="issue_slug",
            field=models.TextField(blank=True, default=""),
            preserve_default=False,
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
