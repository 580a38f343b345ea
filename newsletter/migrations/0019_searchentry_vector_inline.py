"""A search row's vector stays in the row (storage MAIN); its text is what moves out to the
TOAST table when the row is too big for a page.

Finding the newest matches of a common word reads the vector of every entry of the newest
issues, and ranking reads every candidate's: with the text, most rows exceed the 2 kB
TOAST threshold, and PostgreSQL moved the larger column out, the vector (78 % of the
bench rows), so each read was a TOAST index lookup and a chunk fetch. The text is read
only for the twenty shown results. Existing rows are written again so that the new
storage applies to them, then vacuumed (the index entries of the old row versions would
otherwise be read and discarded until autovacuum comes).
"""

from django.db import migrations


class Migration(migrations.Migration):
    atomic = False  # VACUUM runs outside a transaction

    dependencies = [
        ("newsletter", "0018_searchentry_text_without_figures"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE newsletter_searchentry ALTER COLUMN vector SET STORAGE MAIN",
            "ALTER TABLE newsletter_searchentry ALTER COLUMN vector SET STORAGE EXTENDED",
        ),
        # A new value (concatenating nothing), so that the row is stored afresh.
        migrations.RunSQL(
            "UPDATE newsletter_searchentry SET vector = vector || ''::tsvector",
            migrations.RunSQL.noop,
        ),
        migrations.RunSQL("VACUUM ANALYZE newsletter_searchentry", migrations.RunSQL.noop),
    ]
