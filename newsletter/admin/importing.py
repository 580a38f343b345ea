"""The admin's "New issue from markdown" page: paste the text or upload a .md file.

Staff with `newsletter.add_issue` only; the page is an admin view (login, CSRF, no
caching). The conventions and the checks are `newsletter.content.importer`'s, the same
as `manage.py import_issue`'s. A refused import shows every reason and keeps the input:
pasted text stays in the box, and an uploaded file's text is put in it to be corrected.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from newsletter.content import importer
from newsletter.models import Issue

ADD_ISSUE = "newsletter.add_issue"
ACCEPT = ".md,.markdown,.txt,text/markdown,text/plain"


class ImportIssueForm(forms.Form):
    text = forms.CharField(
        label="Markdown",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 24, "cols": 100, "spellcheck": "false"}),
        help_text="Paste the whole issue here, or choose a file below.",
    )
    file = forms.FileField(
        label="Or a markdown file",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=f"A .md file, UTF-8, at most {importer.MAX_TEXT}.",
    )
    number = forms.IntegerField(
        label="Issue number",
        required=False,
        min_value=1,
        max_value=importer.MAX_NUMBER,
        help_text="Leave empty for the next free number.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.uploaded_text: str | None = None
        self.fields["number"].widget.attrs["placeholder"] = str(Issue.next_number())

    def clean_number(self):
        number = self.cleaned_data.get("number")
        if number is not None and Issue.objects.filter(number=number).exists():
            raise ValidationError(
                "Issue number %(number)s is taken: choose another or leave it empty for the "
                "next free one (%(next)s).",
                params={"number": number, "next": Issue.next_number()},
            )
        return number

    def clean(self):
        cleaned_data = super().clean()
        text, upload = cleaned_data.get("text") or "", cleaned_data.get("file")
        if "text" in self.errors or "file" in self.errors:
            return cleaned_data
        if upload and text.strip():
            raise ValidationError(
                "There is both pasted text and a file: empty the box to import the file, or "
                "leave the file out to import the text."
            )
        if not upload and not text.strip():
            raise ValidationError("Paste the issue's markdown, or choose a .md file.")
        try:
            if upload:
                what = f"The file {upload.name}"
                if upload.size > importer.MAX_BYTES:
                    raise importer.too_big(upload.size, what)
                text = importer.decode(upload.read(importer.MAX_BYTES + 1), what=what)
                self.uploaded_text = text
            cleaned_data["parsed"] = importer.parse_issue(text)
        except importer.IssueImportError as error:
            raise ValidationError(error.problems) from None
        return cleaned_data

    def keep_input(self) -> None:
        """Show an uploaded file's text in the box, so it can be corrected and imported."""
        if self.uploaded_text is not None:
            self.data = self.data.copy()
            self.data["text"] = self.uploaded_text


@require_http_methods(["GET", "POST"])
def import_issue_view(request):
    if not request.user.has_perm(ADD_ISSUE):
        raise PermissionDenied
    form = ImportIssueForm()
    if request.method == "POST":
        form = ImportIssueForm(request.POST, request.FILES)
        if form.is_valid():
            parsed = form.cleaned_data["parsed"]
            try:
                issue = importer.create_issue(
                    parsed, by=request.user, number=form.cleaned_data["number"]
                )
            except importer.IssueImportError as error:
                form.add_error(error.field, error.problems)
            else:
                report(request, issue, parsed)
                return redirect("admin:newsletter_issue_change", issue.pk)
        form.keep_input()
    context = {
        **admin.site.each_context(request),
        "opts": Issue._meta,
        "title": "New issue from markdown",
        "form": form,
        "uploaded": form.uploaded_text is not None,
        "has_file_field": True,
    }
    return TemplateResponse(request, "admin/newsletter/issue/import_markdown.html", context)


def report(request, issue: Issue, parsed: importer.ParsedIssue) -> None:
    """Say what was made, and what an editor still has to do."""
    sections = "; ".join(importer.outline(parsed)) or "no sections"
    messages.success(
        request,
        f"Imported issue #{issue.number} “{issue.title}” as a draft: "
        f"{importer.counted(parsed.item_count, 'item')} and "
        f"{importer.counted(parsed.paper_count, 'paper')} in "
        f"{importer.counted(len(parsed.sections), 'section')} ({sections}).",
    )
    if parsed.pictures:
        files = ", ".join(f"{p.src} in {p.where}" for p in parsed.pictures)
        messages.warning(
            request,
            f"{importer.counted(len(parsed.pictures), 'picture')} "
            f"{'points' if len(parsed.pictures) == 1 else 'point'} at files that are "
            f"not uploaded here yet: {files}. Drop each file into its text to replace the link.",
        )
    for warning in parsed.warnings:
        messages.warning(request, warning)


import_issue = admin.site.admin_view(import_issue_view)
