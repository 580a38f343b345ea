"""Subscribers, their consent records, and the suppression list.

- `Subscriber`: one mailbox (address stored lowercased, unique), its state
  (pending → confirmed → unsubscribed, or bounced once mail to it bounces for good) and
  the secret its signed links are made with.
- `Consent`: what a person agreed to, where and when: one row per subscription (the
  form, a resubscription, an import), kept for export until the person is erased.
- `Suppression`: addresses never to mail (hard bounces, complaints, unsubscribes,
  manual). Checked by `Subscriber.objects.confirmed()` and by every way in (form,
  import), so nothing undoes it silently. See `subscribers.suppression`.
"""

import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower

from subscribers.addresses import normalise_email

NAME_MAX_LENGTH = 100


def new_link_secret() -> str:
    return secrets.token_hex(16)


def validate_single_line(value: str) -> None:
    """Names go into mail headers (To:) and CSV files: no line breaks, no control characters."""
    if any(ord(ch) < 32 or ord(ch) == 127 or ch in "\u2028\u2029\x85" for ch in value):
        raise ValidationError(
            "A name must be one line of text, without line breaks or control characters.",
            code="not_single_line",
        )


class EmailAddressField(models.EmailField):
    """An email address kept in one spelling: stripped and lowercased on the way in,
    in saves and in lookups alike (so `filter(email="A@X.org")` finds `a@x.org`)."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value is None else normalise_email(value)

    def to_python(self, value):
        value = super().to_python(value)
        return None if value is None else normalise_email(value)


class SubscriberQuerySet(models.QuerySet):
    def confirmed(self):
        """Who gets the newsletter: confirmed, and not on the suppression list."""
        suppressed = Suppression.objects.filter(email=OuterRef("email"))
        return self.filter(status=Subscriber.Status.CONFIRMED).filter(~Exists(suppressed))

    def search(self, text: str):
        text = text.strip()
        if not text:
            return self
        return self.filter(models.Q(email__icontains=text) | models.Q(name__icontains=text))


class Subscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        # Mail to the address bounced for good; it stays suppressed until staff lift that.
        BOUNCED = "bounced", "Bounced"

    email = EmailAddressField(max_length=254, unique=True)
    name = models.CharField(
        max_length=NAME_MAX_LENGTH, blank=True, validators=[validate_single_line]
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # Signs this person's links (subscribers.links): a new secret voids every link sent.
    link_secret = models.CharField(max_length=32, default=new_link_secret, editable=False)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="subscriber_email_lowercase"
            ),
        ]

    def __str__(self):
        return self.email

    @property
    def is_confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED


class Consent(models.Model):
    """One agreement to receive the newsletter: where it came from, what it said, when."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="consents")
    # "subscribe form", "preferences page (resubscribe)", or the text an import gave.
    source = models.CharField(max_length=200)
    # The version of the wording shown (subscribers.consent.TEXTS), or "import".
    text_version = models.CharField(max_length=50)
    # The wording itself, as the person saw it (or the import's statement).
    text = models.TextField(blank=True)
    # HMAC of the client address the form was posted from; empty for imports.
    ip_hash = models.CharField(max_length=64, blank=True)
    given_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-given_at", "-pk"]

    def __str__(self):
        return f"{self.source} ({self.given_at:%Y-%m-%d})"


class Suppression(models.Model):
    class Reason(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", "Hard bounce"
        COMPLAINT = "complaint", "Complaint (marked as spam)"
        UNSUBSCRIBE = "unsubscribe", "Unsubscribed"
        MANUAL = "manual", "Added by staff"

    # Empty once the person is erased; the hash still matches their address.
    email = EmailAddressField(max_length=254, unique=True, null=True, blank=True)
    email_hash = models.CharField(max_length=64, unique=True, editable=False)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")) | models.Q(email__isnull=True),
                name="suppression_email_lowercase",
            ),
        ]

    def __str__(self):
        return self.email or f"(erased) {self.email_hash[:12]}…"
