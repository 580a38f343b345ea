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
