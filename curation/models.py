"""What the curation tools keep: see each model."""

from django.db import models


class RateLimit(models.Model):
    key = models.CharField(max_length=200, primary_key=True)
    next_at = models.DateTimeField()

    def __str__(self):
        return f"{self.key}: next at {self.next_at:%H:%M:%S}"
