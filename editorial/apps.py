from django.apps import AppConfig


class EditorialConfig(AppConfig):
    name = "editorial"
    verbose_name = "Editorial workflow"

    def ready(self):
        from editorial import notifications
        from editorial.signals import transition_performed

        transition_performed.connect(
            notifications.on_transition, dispatch_uid="editorial.notifications"
        )
