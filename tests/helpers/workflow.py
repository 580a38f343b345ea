"""Publish test issues the way the product does: through the workflow, with a user per role."""

import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from demo.publication import walk_to_publication
from editorial.roles import EDITORS, PUBLISHERS, REVIEWERS, ensure_groups

PASSWORD = "correct horse battery"  # every role user's


def role_user(username: str, group: str):
    ensure_groups()  # transactional tests flush the groups the migration made
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": True, "email": f"{username}@example.com"}
    )
    if created:
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=group))
    return user


def log_in(page, base, username, next_path):
    """Log a role user in on a browser `page` of the server at `base`, landing on `next_path`."""
    page.goto(f"{base}/admin/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_path}")


def publish(issue, *, at=None):
    """Submit, approve and publish `issue` now, or schedule it at a future `at`.

    A past `at` publishes with the clock moved back to that moment.
    """
    users = {
        "editor": role_user("wf-editor", EDITORS),
        "reviewer": role_user("wf-reviewer", REVIEWERS),
        "publisher": role_user("wf-publisher", PUBLISHERS),
    }
    if at is not None and at <= timezone.now():
        with time_machine.travel(at, tick=False):
            return walk_to_publication(issue, **users)
    return walk_to_publication(issue, **users, at=at)
