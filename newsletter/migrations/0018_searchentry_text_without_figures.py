"""Search rows hold their part's text without its figures (the captions and credits are
in the vector alone, weight D): the rows of every revision with a figure are written
again, as freezing now writes them."""

from django.db import migrations
from django.db.models import TextField
from django.db.models.functions import Cast

from newsletter.content.search_index import write_entries


def rewrite_rows_with_figures(apps, schema_editor):
    Revision = apps.get_model("newsletter", "Revision")
    SearchEntry = apps.get_model("newsletter", "SearchEntry")
    with_figures = Revision.objects.annotate(text=Cast("snapshot", TextField())).filter(
        text__contains="<figure"
    )
    for revision_id, snapshot in with_figures.values_list("id", "snapshot").iterator():
        SearchEntry.objects.filter(revision_id=revision_id).delete()
        write_entries(SearchEntry, revision_id, snapshot)


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0017_searchentry_arxiv_ids"),
    ]

    operations = [migrations.RunPython(rewrite_rows_with_figures, migrations.RunPython.noop)]
