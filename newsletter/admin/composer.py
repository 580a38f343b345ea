"""What makes the issue page a composer: autosave, the live preview beside the text.

Both go through the page's own save path (`changeform_view`), so they are checked like a
save: the same forms, the same permissions, the same version check.

- **Autosave** posts the whole form with `_autosave=1`. A successful save answers JSON
  with the new version (the page keeps editing on it); a stale one answers 409 with the
  message a refused save shows, and nothing is written; invalid input answers 400 with
  the errors, and nothing is written.
- **Preview** posts the whole form to `<id>/preview/`: it is saved inside a transaction
  that is rolled back, the snapshot is built from it by `build_snapshot` exactly as
  freezing does, and the issue body is rendered with the public templates. Nothing stays.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from newsletter.content.build import build_snapshot
from newsletter.models import Issue, Item, Paper, Revision, Section


def _structure(issue_pk: int) -> set:
    """Which sections and entries the issue has, and where: rows, not their text."""
    rows = {
        ("section", pk, None)
        for pk in Section.objects.filter(issue=issue_pk).values_list("pk", flat=True)
    }
    for model in (Item, Paper):
        rows |= {
            (model.__name__, pk, section)
            for pk, section in model.objects.filter(section__issue=issue_pk).values_list(
                "pk", "section"
            )
        }
    return rows


def _errors(response) -> list[str]:
    """The error messages of a change form that was shown again, in page order."""
    context = getattr(response, "context_data", None) or {}
    found = []
    adminform = context.get("adminform")
    if adminform is not None:
        found += [str(e) for e in adminform.form.non_field_errors()]
        for name, errors in adminform.form.errors.items():
            if name != "__all__":
                label = adminform.form.fields[name].label if name in adminform.form.fields else name
                found += [f"{label}: {e}" for e in errors]
    for inline in context.get("inline_admin_formsets", []):
        found += _formset_errors(inline.formset)
    return found


def _formset_errors(formset) -> list[str]:
    found = [str(e) for e in formset.non_form_errors()]
    for form in formset.forms:
        title = form["title"].value() if "title" in form.fields else ""
        where = f"“{title}”" if title else formset.model._meta.verbose_name
        for name, errors in form.errors.items():
            field = form.fields.get(name)
            label = field.label if field is not None and field.label else name
            found += [f"{where}, {label}: {e}" for e in errors]
        for nested in getattr(form, "nested_formsets", []):
            found += _formset_errors(nested)
    return found


def _consume_messages(request) -> None:
    """Drop the success message a background save would leave for the next page."""
    list(messages.get_messages(request))


class ComposerMixin:
    """For IssueAdmin: autosave through the change view, and the preview endpoint."""

    change_form_template = "admin/newsletter/issue/change_form.html"

    def get_urls(self):
        preview = self.admin_site.admin_view(require_POST(self.preview_view))
        name = f"{self.opts.app_label}_{self.opts.model_name}_preview"
        return [path("<path:object_id>/preview/", preview, name=name), *super().get_urls()]

    # Autosave ---------------------------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST" or "_autosave" not in request.POST or object_id is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        issue = self.get_object(request, unquote(object_id))
        if issue is None:
            raise Http404("No such issue.")
        before = _structure(issue.pk)
        response = super().changeform_view(request, object_id, form_url, extra_context)
        _consume_messages(request)
        if response.status_code == 302:  # saved
            saved = Issue.objects.only("version", "updated_at").get(pk=issue.pk)
            when = timezone.localtime(saved.updated_at)
            return JsonResponse(
                {
                    "saved": True,
                    "version": saved.version,
                    "saved_at": when.strftime("%H:%M:%S"),
                    # New, removed or moved rows change the form's numbering: reload it.
                    "reload": _structure(issue.pk) != before,
                }
            )
        if response.status_code == 403:
            return JsonResponse(
                {"saved": False, "errors": ["This issue can no longer be edited here."]},
                status=403,
            )
        errors = _errors(response)
        stale = any(
            error.code == "stale_version"
            for error in response.context_data["adminform"].form.non_field_errors().as_data()
        )
        return JsonResponse(
            {"saved": False, "stale": stale, "errors": errors}, status=409 if stale else 400
        )

    # Preview ----------------------------------------------------------------------------

    def preview_view(self, request, object_id):
        issue = self.get_object(request, unquote(object_id))
        if issue is None:
            raise Http404("No such issue.")
        if not self.has_view_or_change_permission(request, issue):
            raise PermissionDenied
        notice = ""
        with transaction.atomic():
            if self.has_change_permission(request, issue):
                # Preview what is typed, even on a page someone else has saved since.
                data = request.POST.copy()
                data["base_version"] = str(issue.version)
                request.POST = data
                response = super().changeform_view(request, object_id)
                _consume_messages(request)
                if response.status_code != 302:
                    notice = "Fix the errors on the page to see your latest changes here."
            snapshot = build_snapshot(Issue.objects.get(pk=issue.pk))
            transaction.set_rollback(True)
        revision = Revision(
            issue=issue, number=0, issue_number=snapshot.issue.number, snapshot=snapshot.to_json()
        )
        revision.first_published = None
        response = TemplateResponse(
            request,
            "newsletter/admin/composer_preview.html",
            {"snapshot": snapshot, "revision": revision, "notice": notice},
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response
