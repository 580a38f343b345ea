from django.apps import AppConfig


class SubscribersConfig(AppConfig):
    name = "subscribers"
    verbose_name = "Subscribers"

    def ready(self):
        from anymail.signals import inbound

        from subscribers import (
            checks,  # noqa: F401 (registers the checks)
            unsubscribe_mail,
        )

        inbound.connect(unsubscribe_mail.on_inbound, dispatch_uid="subscribers.on_inbound")
