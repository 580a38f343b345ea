from django.db import migrations, models

FILL = """
UPDATE newsletter_revision r
SET issue_number = COALESCE((r.snapshot #>> '{issue,number}')::integer, i.number)
FROM newsletter_issue i
WHERE i.id = r.issue_id;
"""

# The copy of the snapshot's number is as immutable as the snapshot itself.
TRIGGER = """
DROP TRIGGER newsletter_revision_immutable ON newsletter_revision;
CREATE TRIGGER newsletter_revision_immutable
BEFORE UPDATE ON newsletter_revision
FOR EACH ROW
WHEN (
    OLD.snapshot IS DISTINCT FROM NEW.snapshot
    OR OLD.issue_id IS DISTINCT FROM NEW.issue_id
    OR OLD.number IS DISTINCT FROM NEW.number
    OR OLD.created_at IS DISTINCT FROM NEW.created_at
    OR OLD.issue_number IS DISTINCT FROM NEW.issue_number
)
EXECUTE FUNCTION newsletter_revision_immutable();
"""

TRIGGER_BEFORE = """
DROP TRIGGER newsletter_revision_immutable ON newsletter_revision;
CREATE TRIGGER newsletter_revision_immutable
BEFORE UPDATE ON newsletter_revision
FOR EACH ROW
WHEN (
    OLD.snapshot IS DISTINCT FROM NEW.snapshot
    OR OLD.issue_id IS DISTINCT FROM NEW.issue_id
    OR OLD.number IS DISTINCT FROM NEW.number
    OR OLD.created_at IS DISTINCT FROM NEW.created_at
)
EXECUTE FUNCTION newsletter_revision_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0003_searchentry")]

    operations = [
        migrations.AddField(
            model_name="revision",
            name="issue_number",
            field=models.PositiveIntegerField(null=True, editable=False),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="revision",
            name="issue_number",
            field=models.PositiveIntegerField(db_index=True, editable=False),
        ),
        migrations.AlterField(
            model_name="revision",
            name="ends_at",
            field=models.DateTimeField(blank=True, db_index=True, null=True),
        ),
        migrations.RunSQL(TRIGGER, TRIGGER_BEFORE),
    ]
