"""CSV export of subscribers with their consent records: one row per consent.

Cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) are
prefixed with a quote, so a name typed into the public form cannot become one.
"""

import csv
import io

from subscribers.models import Subscriber

COLUMNS = [
    "email",
    "name",
    "status",
    "created_at",
    "confirmed_at",
    "unsubscribed_at",
    "consent_source",
    "consent_text_version",
    "consent_text",
    "consent_given_at",
    "consent_confirmed_at",
    "consent_ip_hash",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def rows(subscribers):
    for subscriber in subscribers.prefetch_related("consents").order_by("email"):
        person = [
            subscriber.email,
            subscriber.name,
            subscriber.status,
            subscriber.created_at,
            subscriber.confirmed_at,
            subscriber.unsubscribed_at,
        ]
        consents = list(subscriber.consents.all()) or [None]
        for consent in consents:
            record = (
                [
                    consent.source,
                    consent.text_version,
                    consent.text,
                    consent.given_at,
                    consent.confirmed_at,
                    consent.ip_hash,
                ]
                if consent
                else [""] * 6
            )
            yield [_cell(v) for v in person + record]


def export_csv(subscribers=None) -> str:
    subscribers = Subscriber.objects.all() if subscribers is None else subscribers
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows(subscribers))
    return out.getvalue()
