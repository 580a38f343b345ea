"""A paper's search vector holds its arXiv id (`search_index.arxiv_term`), as freezing
now writes it: `arxiv:` and the id without its version, weighted as the authors."""

from django.db import migrations

FILL = """
    UPDATE newsletter_searchentry
    SET vector = vector || setweight(to_tsvector('english'::regconfig, paper_key), 'B')
    WHERE kind = 'paper' AND starts_with(paper_key, 'arxiv:')
      AND NOT vector @@ (to_tsquery('english'::regconfig, 'arxiv')
                         && phraseto_tsquery('english'::regconfig, substr(paper_key, 7)))
"""


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0016_searchentry_issue_heading"),
    ]

    operations = [migrations.RunSQL(FILL, migrations.RunSQL.noop)]
