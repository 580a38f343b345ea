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
        # Who gets the newsletter: see and export subscribers with their consent, correct
        # a name, unsubscribe someone; keep the suppression list (adding an entry only
        # protects someone; lifting a bounce or complaint by deleting it stays with
        # superusers, as do imports and erasure).
        "subscribers.view_subscriber",
        "subscribers.change_subscriber",
        "subscribers.view_consent",
        "subscribers.view_suppression",
        "subscribers.add_suppression",
        "subscribers.change_suppression",
        # Sends: progress, and pause, resume and retry (the actions check publish_issue).
        "sending.view_send",
        "sending.view_delivery",
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
    """Apps whose models may not exist yet when the roles migration first runs: the roles
    are applied again once they do (curation's 0003_roles_and_featured_index, editorial's
    0003_publishers_manage_subscribers)."""
    return app_label in {"curation", "subscribers", "sending"}


def ensure_groups() -> None:
    from django.contrib.auth.models import Group, Permission

    if Group.objects.filter(name__in=GROUP_PERMISSIONS).count() < len(GROUP_PERMISSIONS):
        sync_groups(Group, Permission)
