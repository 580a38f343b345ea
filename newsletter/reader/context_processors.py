from django.conf import settings


def site(request):
    """The site's name and address, and defaults for the tags every page's <head> carries.

    Views override `canonical_url` and `description`; these defaults keep pages that set
    neither (search, error pages) valid and absolute.
    """
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "SITE_DESCRIPTION": f"{settings.SITE_NAME}: a curated monthly newsletter about "
        "machine learning.",
        "canonical_url": settings.SITE_URL.rstrip("/") + request.path,
    }
