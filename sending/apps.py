from django.apps import AppConfig


class SendingConfig(AppConfig):
    name = "sending"
    verbose_name = "Sending the newsletter"

    def ready(self):
        from anymail.signals import tracking

        from background.signals import worker_ready
        from editorial.signals import transition_recorded
        from sending import checks, provider_events, sends  # noqa: F401 - checks register

        transition_recorded.connect(sends.on_transition, dispatch_uid="sending.on_transition")
        worker_ready.connect(sends.resume_unfinished, dispatch_uid="sending.resume_unfinished")
        tracking.connect(provider_events.on_tracking, dispatch_uid="sending.on_tracking")
