from django.apps import AppConfig


class CurationConfig(AppConfig):
    name = "curation"
    verbose_name = "Curation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from curation.featured import on_revision_frozen
        from newsletter.models import Revision
        from newsletter.signals import revision_frozen

        revision_frozen.connect(on_revision_frozen, sender=Revision, dispatch_uid="curation")
