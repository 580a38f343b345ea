from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = "Newsletter content"

    def ready(self):
        from background.signals import worker_ready
        from newsletter.content import rendition_tasks

        worker_ready.connect(
            rendition_tasks.resume_pending, dispatch_uid="newsletter.renditions.resume_pending"
        )
