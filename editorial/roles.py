"""Roles are Django groups; their permissions are declared here and applied by a migration."""

EDITORS = "Editors"
REVIEWERS = "Reviewers"
PUBLISHERS = "Publishers"

_CONTENT = ("issue", "section", "item", "paper")

# Model permissions per group, as "app_label.codename".
GROUP_PERMISSIONS = {
    EDITORS: [
        *(f"newsletter.{verb}_{model}" for verb in ("add", "change", "view") for model in _CONTENT),
        *(f"newsletter.delete_{model}" for model in ("section", "item", "paper")),
        "newsletter.add_image",
        "newsletter.change_image",
        "newsletter.view_image",
        "newsletter.view_revision",
        "editorial.submit_issue",
        "editorial.view_event",
        # The curation tools: the link inbox, capture tokens, preflight, link rot.
        *(f"curation.{verb}_savedlink" for verb in ("add", "change", "view", "delete")),
        *(f"curation.{verb}_capturetoken" for verb in ("add", "view", "delete")),
        "curation.add_preflightacknowledgement",
        "curation.view_linkcheck",
        "curation.change_linkcheck",
    ],
    REVIEWERS: [
        *(f"newsletter.view_{model}" for model in (*_CONTENT, "image", "revision")),
        "editorial.review_issue",
        "editorial.view_event",
    ],
    PUBLISHERS: [
        *(f"newsletter.view_{model}" for model in (*_CONTENT, "image", "revision")),
        "editorial.publish_issue",
        "editorial.view_event",
    ],
}


def sync_groups(group_model, permission_model) -> None:
    """Create the role groups and give each exactly its permissions.

    Takes the model classes so that the migration can pass its historical models; tests
    that flush the database (transactional tests) call it to bring the roles back.
    """
    for name, perms in GROUP_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            found = permission_model.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if found is None and not _migrated_later(app_label):
                raise LookupError(f"No permission {perm}.")
            if found is not None:
                wanted.append(found)
        group.permissions.set(wanted)


def _migrated_later(app_label: str) -> bool:
    """Apps whose models may not exist yet when the roles migration first runs: each
    applies the roles again in a migration of its own (curation's 0002_roles)."""
    return app_label in {"curation"}


def ensure_groups() -> None:
    from django.contrib.auth.models import Group, Permission

    if Group.objects.filter(name__in=GROUP_PERMISSIONS).count() < len(GROUP_PERMISSIONS):
        sync_groups(Group, Permission)
