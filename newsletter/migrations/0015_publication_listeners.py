from django.db import migrations, models

# The trigger function that bumps the publication state's generation also notifies the
# `newsletter_publication` channel. PostgreSQL delivers a notification when the
# transaction that sent it commits (never for one that rolls back), once per transaction
# for the same channel and payload, to every session listening: each web process's
# listener (newsletter/reader/live_state.py) then reads the state again and records the
# generation it has taken in, in newsletter_publicationlistener.
NOTIFYING = """
CREATE OR REPLACE FUNCTION newsletter_publication_bump() RETURNS trigger AS $$
BEGIN
    INSERT INTO newsletter_publicationstate (id, generation) VALUES (1, 1)
    ON CONFLICT (id) DO UPDATE SET generation = newsletter_publicationstate.generation + 1;
    PERFORM pg_notify('newsletter_publication', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

SILENT = """
CREATE OR REPLACE FUNCTION newsletter_publication_bump() RETURNS trigger AS $$
BEGIN
    INSERT INTO newsletter_publicationstate (id, generation) VALUES (1, 1)
    ON CONFLICT (id) DO UPDATE SET generation = newsletter_publicationstate.generation + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0014_search_title_indexes")]

    operations = [
        migrations.CreateModel(
            name="PublicationListener",
            fields=[
                (
                    "name",
                    models.CharField(
                        help_text="host:pid:random",
                        max_length=200,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("generation", models.BigIntegerField()),
                ("seen_at", models.DateTimeField()),
            ],
        ),
        migrations.RunSQL(NOTIFYING, SILENT),
    ]
