from django.db import migrations, models

# The publication state's generation goes up in the transaction of every change of a
# revision's interval, whoever makes it: the workflow, the shell, a data migration.
# Row-level, so an UPDATE that leaves both columns as they were (or a revision created
# unscheduled) bumps nothing; TRUNCATE (a flushed test database) bumps too. Search
# results also read newsletter_searchentry: any write to it bumps the generation as well.
CREATE = """
INSERT INTO newsletter_publicationstate (id, generation) VALUES (1, 0)
ON CONFLICT (id) DO NOTHING;

CREATE FUNCTION newsletter_publication_bump() RETURNS trigger AS $$
BEGIN
    INSERT INTO newsletter_publicationstate (id, generation) VALUES (1, 1)
    ON CONFLICT (id) DO UPDATE SET generation = newsletter_publicationstate.generation + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER newsletter_publication_insert
AFTER INSERT ON newsletter_revision
FOR EACH ROW
WHEN (NEW.go_live_at IS NOT NULL OR NEW.ends_at IS NOT NULL)
EXECUTE FUNCTION newsletter_publication_bump();

CREATE TRIGGER newsletter_publication_update
AFTER UPDATE OF go_live_at, ends_at ON newsletter_revision
FOR EACH ROW
WHEN (
    OLD.go_live_at IS DISTINCT FROM NEW.go_live_at
    OR OLD.ends_at IS DISTINCT FROM NEW.ends_at
)
EXECUTE FUNCTION newsletter_publication_bump();

CREATE TRIGGER newsletter_publication_delete
AFTER DELETE ON newsletter_revision
FOR EACH ROW
WHEN (OLD.go_live_at IS NOT NULL OR OLD.ends_at IS NOT NULL)
EXECUTE FUNCTION newsletter_publication_bump();

CREATE TRIGGER newsletter_publication_truncate
AFTER TRUNCATE ON newsletter_revision
FOR EACH STATEMENT
EXECUTE FUNCTION newsletter_publication_bump();

-- Search results read the search rows too: written with a revision, rebuilt by hand.
CREATE TRIGGER newsletter_publication_search
AFTER INSERT OR UPDATE OR DELETE ON newsletter_searchentry
FOR EACH STATEMENT
EXECUTE FUNCTION newsletter_publication_bump();

CREATE TRIGGER newsletter_publication_search_truncate
AFTER TRUNCATE ON newsletter_searchentry
FOR EACH STATEMENT
EXECUTE FUNCTION newsletter_publication_bump();
"""

DROP = """
DROP TRIGGER IF EXISTS newsletter_publication_insert ON newsletter_revision;
DROP TRIGGER IF EXISTS newsletter_publication_update ON newsletter_revision;
DROP TRIGGER IF EXISTS newsletter_publication_delete ON newsletter_revision;
DROP TRIGGER IF EXISTS newsletter_publication_truncate ON newsletter_revision;
DROP TRIGGER IF EXISTS newsletter_publication_search ON newsletter_searchentry;
DROP TRIGGER IF EXISTS newsletter_publication_search_truncate ON newsletter_searchentry;
DROP FUNCTION IF EXISTS newsletter_publication_bump();
"""


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0006_paper_arxiv_id_normalised")]

    operations = [
        migrations.CreateModel(
            name="PublicationState",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(
                        default=1, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("generation", models.BigIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("id", 1)), name="publication_state_single_row"
                    )
                ],
            },
        ),
        migrations.RunSQL(CREATE, DROP),
    ]
