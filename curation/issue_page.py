"""What the curation tools add to the issue page: featured before, as you type."""

from django.urls import reverse


def curation_context(request, issue) -> dict:
    return {
        "issue": issue,
        "featured_url": reverse("curation:featured"),
    }
