"""Load the demo issue and one demo user per role. Running it again changes nothing."""

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

from demo import content as demo_content
from demo import images as demo_images
from demo.publication import walk_to_publication
from editorial.roles import ensure_groups
from newsletter.content import images
from newsletter.models import Issue, Item, Paper, Revision, Section


def ensure_user(username: str, *, group: str | None, superuser: bool, password: str):
    """Create or repair a demo user: staff, in its group, with the known demo password."""
    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@example.com"}
    )
    wanted = {"is_staff": True, "is_active": True, "is_superuser": superuser}
    changed = [field for field, value in wanted.items() if getattr(user, field) != value]
    for field in changed:
        setattr(user, field, wanted[field])
    if not user.check_password(password):
        user.set_password(password)
        changed.append("password")
    if changed:
        user.save(update_fields=changed)
    if group:
        ensure_groups()  # the roles migration made them; a flushed database lost them
        user.groups.add(Group.objects.get(name=group))
    return user


def ingest_demo_images(*, by) -> dict:
    """The demo pictures as Images; the pipeline returns the existing Image for the same bytes."""
    result = {}
    for name, meta in demo_content.IMAGES.items():
        result[name] = images.ingest(
            ContentFile(demo_images.draw(name), name=meta["filename"]),
            alt_text=meta["alt_text"],
            caption=meta.get("caption", ""),
            credit=meta.get("credit", ""),
            credit_url=meta.get("credit_url", ""),
            uploaded_by=by,
        )
    return result


def _placed(markdown: str, pictures: dict) -> str:
    """`(demo:NAME)` in the demo's markdown becomes the address of that demo picture."""
    return re.sub(
        r"\(demo:([a-z-]+)\)", lambda m: f"({pictures[m.group(1)].file.url})", markdown or ""
    )


def create_demo_issue(*, by) -> Issue:
    pictures = ingest_demo_images(by=by)
    data = demo_content.ISSUE
    number = data["number"]
    if Issue.objects.filter(number=number).exists():
        number = Issue.next_number()
    issue = Issue.objects.create(
        number=number,
        title=data["title"],
        slug=data["slug"],
        summary=data["summary"],
        hero_image=pictures[data["hero_image"]],
        created_by=by,
        updated_by=by,
    )
    for position, spec in enumerate(demo_content.SECTIONS):
        section = Section.objects.create(
            issue=issue, title=spec["title"], intro=spec["intro"], position=position
        )
        Item.objects.bulk_create(
            Item(
                section=section,
                position=i,
                image=pictures.get(item.get("image")),
                **{
                    k: _placed(v, pictures) if k == "body" else v
                    for k, v in item.items()
                    if k != "image"
                },
            )
            for i, item in enumerate(spec.get("items", []))
        )
        Paper.objects.bulk_create(
            Paper(
                section=section,
                position=i,
                image=pictures.get(paper.get("image")),
                **{k: v for k, v in paper.items() if k != "image"},
            )
            for i, paper in enumerate(spec.get("papers", []))
        )
    return issue


class Command(BaseCommand):
    help = (
        "Load the demo issue (published) and demo users for each role. Idempotent. "
        "The demo passwords are for local development only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Run even though DEBUG is off. The demo users have well-known passwords.",
        )

    def handle(self, *args, allow_without_debug=False, verbosity=1, **options):
        if not settings.DEBUG and not allow_without_debug:
            raise CommandError(
                "seed_demo creates staff users with well-known passwords, so it runs only "
                "with DJANGO_DEBUG on. Pass --allow-without-debug if this really is a "
                "throwaway installation."
            )
        with transaction.atomic():
            users = {
                username: ensure_user(username, group=group, superuser=superuser, password=pw)
                for username, (group, superuser, pw) in demo_content.DEMO_USERS.items()
            }
            editor = users["editor"]
            issue = Issue.objects.filter(slug=demo_content.ISSUE["slug"]).first()
            created = issue is None
            if created:
                issue = create_demo_issue(by=editor)
            published = not issue.revisions.exists()
            if published:
                walk_to_publication(
                    issue, editor=editor, reviewer=users["reviewer"], publisher=users["publisher"]
                )

        if verbosity >= 1:
            self._report(issue, created=created, published=published)

    def _report(self, issue, *, created, published):
        state = "created" if created else "already present"
        if published:
            state += ", published now"
        self.stdout.write(
            self.style.SUCCESS(f"Demo issue #{issue.number} {issue.title!r}: {state}.")
        )
        live = Revision.objects.live().filter(issue=issue).first()
        if live is not None:
            self.stdout.write(f"Read it at {settings.SITE_URL}{live.get_absolute_url()}")
        self.stdout.write("")
        self.stdout.write(f"Admin: {settings.SITE_URL}{reverse('admin:index')}")
        rows = [("username", "password", "role")] + [
            (username, password, "superuser" if superuser else group)
            for username, (group, superuser, password) in demo_content.DEMO_USERS.items()
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            line = "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
            self.stdout.write(f"  {line}".rstrip())
        self.stdout.write(self.style.WARNING(demo_content.LOCAL_ONLY_WARNING))
