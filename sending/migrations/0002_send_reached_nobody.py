# A send that started and found nobody to email is recorded as "nobody", and, like a
# cancelled one, does not use up the one email.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sending', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='send',
            name='state',
            field=models.CharField(choices=[('waiting', 'Waiting for go-live'), ('sending', 'Sending'), ('paused', 'Paused'), ('done', 'Done'), ('cancelled', 'Cancelled'), ('nobody', 'Reached nobody')], default='waiting', max_length=16),
        ),
        migrations.AlterField(
            model_name='send',
            name='note',
            field=models.TextField(blank=True, help_text='Why it was paused or cancelled, or why it reached nobody.'),
        ),
        migrations.RemoveConstraint(
            model_name='send',
            name='one_issue_send_per_issue',
        ),
        migrations.AddConstraint(
            model_name='send',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'issue'), models.Q(('state__in', ('cancelled', 'nobody')), _negated=True)), fields=('issue',), name='one_issue_send_per_issue'),
        ),
    ]
