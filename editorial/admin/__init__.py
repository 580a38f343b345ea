"""The workflow in the admin: the issue page with its workflow panel, and the audit trail."""

from editorial.admin import events, issues  # noqa: F401 - they register
