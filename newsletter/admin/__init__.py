"""The editing admin: issues with their sections, items and papers; images; revisions.

- `editing`: what every editing page shares (draft-only editing, markdown and image fields).
- `issues`: the issue page (`IssueAdmin`). The workflow app registers it, with the
  workflow panel added (`editorial.admin.issues`): the issue page is where review happens.

- `images`, `revisions`: the image library; the read-only revision viewer.
- `widgets`, `forms`, `editor_endpoints`: the markdown editor, the image picker, uploads.
"""

from django.conf import settings
from django.contrib import admin

from newsletter.admin import images, revisions  # noqa: F401 - they register

admin.site.site_header = f"{settings.SITE_NAME} admin"
admin.site.site_title = f"{settings.SITE_NAME} admin"
