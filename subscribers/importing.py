"""CSV import of people who agreed elsewhere: one address a line, optionally `email,name`.

Imported people are confirmed, with the import's statement (`source`) as their consent
record. Nothing undoes a suppression: suppressed addresses are skipped and reported.
Malformed lines are reported with their line numbers and skipped; everything else is
written in bulk in one transaction (a few queries per thousand rows).
"""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from subscribers import consent
from subscribers.addresses import address_hash, normalise_email
from subscribers.models import NAME_MAX_LENGTH, Consent, Subscriber, validate_single_line
from subscribers.suppression import suppressed_hashes

SOURCE_MAX_LENGTH = 200
CHUNK = 2000


class ImportRefused(Exception):
    """The whole import is refused (no source, not text); nothing was written."""


@dataclass
class Report:
    imported: int = 0  # new subscribers, confirmed
    confirmed_pending: int = 0  # were pending, now confirmed by the import
    already_subscribed: int = 0  # confirmed before: left as they were
    suppressed: list[tuple[int, str]] = field(default_factory=list)  # (line, address)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, why)

    def summary(self) -> str:
        parts = [f"{self.imported} imported"]
        if self.confirmed_pending:
            parts.append(f"{self.confirmed_pending} pending confirmed")
        parts.append(f"{self.already_subscribed} already subscribed")
        parts.append(f"{len(self.suppressed)} skipped as suppressed")
        parts.append(f"{len(self.errors)} malformed line{'s' if len(self.errors) != 1 else ''}")
        return ", ".join(parts) + "."


def clean_source(source: str) -> str:
    source = (source or "").strip()
    if not source:
        raise ImportRefused(
            "Say where these people agreed to receive the newsletter (the consent source)."
        )
    if len(source) > SOURCE_MAX_LENGTH:
        raise ImportRefused(f"The consent source is at most {SOURCE_MAX_LENGTH} characters.")
    try:
        validate_single_line(source)
    except ValidationError as error:
        raise ImportRefused("The consent source must be one line of text.") from error
    return source


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused(
            f"The file is not UTF-8 text (byte {error.start + 1} cannot be read). "
            "Save it as CSV UTF-8 and try again."
        ) from error


def _rows(text: str):
    """(line number, fields, problem) per record; quoted line breaks stay inside a field."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield start, None, f"not valid CSV ({error})"
            start = reader.line_num + 1
            continue
        yield start, fields, None
        start = reader.line_num + 1


def parse(text: str, report: Report) -> dict[str, tuple[int, str]]:
    """The valid rows as {address: (line, name)}; every problem goes into `report`."""
    people: dict[str, tuple[int, str]] = {}
    for line, fields, problem in _rows(text):
        if problem:
            report.errors.append((line, problem))
            continue
        values = [value.strip() for value in fields]
        if not any(values):
            continue  # a blank line
        if line == 1 and values[0].lower() in {"email", "e-mail", "email address"}:
            continue  # a header
        if len(values) > 2:
            report.errors.append((line, f"{len(values)} columns; expected email or email,name"))
            continue
        raw_email = values[0]
        name = values[1] if len(values) == 2 else ""
        email = normalise_email(raw_email)
        try:
            if len(email) > 254:
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError:
            report.errors.append((line, f"not an email address: {raw_email[:80]!r}"))
            continue
        try:
            validate_single_line(name)
        except ValidationError:
            report.errors.append((line, "the name has a line break or control character"))
            continue
        if len(name) > NAME_MAX_LENGTH:
            report.errors.append((line, f"the name is over {NAME_MAX_LENGTH} characters"))
            continue
        if email in people:
            report.errors.append((line, f"{email} is already on line {people[email][0]}"))
            continue
        people[email] = (line, name)
    return people


def import_subscribers(text: str, *, source: str) -> Report:
    """Import the CSV `text`; return what happened to every line."""
    source = clean_source(source)
    report = Report()
    people = parse(text, report)
    blocked = suppressed_hashes(people)
    for email, (line, _name) in list(people.items()):
        if address_hash(email) in blocked:
            report.suppressed.append((line, email))
            del people[email]
    report.suppressed.sort()

    now = timezone.now()
    statement = f"Imported: {source}"
    with transaction.atomic():
        emails = list(people)
        existing = {}
        for start in range(0, len(emails), CHUNK):
            chunk = emails[start : start + CHUNK]
            existing.update(
                {s.email: s for s in Subscriber.objects.select_for_update().filter(email__in=chunk)}
            )
        new = [
            Subscriber(
                email=email,
                name=name,
                status=Subscriber.Status.CONFIRMED,
                confirmed_at=now,
            )
            for email, (_line, name) in people.items()
            if email not in existing
        ]
        Subscriber.objects.bulk_create(new, batch_size=CHUNK)
        report.imported = len(new)

        confirming = []
        for subscriber in existing.values():
            if subscriber.status == Subscriber.Status.CONFIRMED:
                report.already_subscribed += 1
                continue
            subscriber.status = Subscriber.Status.CONFIRMED
            subscriber.confirmed_at = now
            confirming.append(subscriber)
        Subscriber.objects.bulk_update(confirming, ["status", "confirmed_at"], batch_size=CHUNK)
        report.confirmed_pending = len(confirming)

        Consent.objects.bulk_create(
            [
                Consent(
                    subscriber=subscriber,
                    source=source,
                    text_version=consent.IMPORT_VERSION,
                    text=statement,
                    given_at=now,
                    confirmed_at=now,
                )
                for subscriber in (*new, *confirming)
            ],
            batch_size=CHUNK,
        )
    return report
