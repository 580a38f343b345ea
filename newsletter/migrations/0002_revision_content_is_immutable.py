from django.db import migrations

# The application never rewrites a revision's content; the database makes sure nothing
# else does either. Only the publication interval (and the search vector) may change.
CREATE = """
CREATE FUNCTION newsletter_revision_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'revision % of issue % is immutable: only go_live_at and ends_at may change',
        OLD.number, OLD.issue_id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

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

DROP = """
DROP TRIGGER IF EXISTS newsletter_revision_immutable ON newsletter_revision;
DROP FUNCTION IF EXISTS newsletter_revision_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
