from django.db import migrations, models
from django.db.models import Exists, OuterRef


def mark_bounced(apps, schema_editor):
    """Subscribers whose address already hard-bounced say so, as new bounces will."""
    Subscriber = apps.get_model("subscribers", "Subscriber")
    Suppression = apps.get_model("subscribers", "Suppression")
    bounced = Suppression.objects.filter(email=OuterRef("email"), reason="hard_bounce")
    Subscriber.objects.filter(Exists(bounced), status__in=["pending", "confirmed"]).update(
        status="bounced"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("subscribers", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="subscriber",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending confirmation"),
                    ("confirmed", "Confirmed"),
                    ("unsubscribed", "Unsubscribed"),
                    ("bounced", "Bounced"),
                ],
                default="pending",
                max_length=16,
            ),
        ),
        migrations.RunPython(mark_bounced, migrations.RunPython.noop),
    ]
