"""Put hostile text into every text field through the forms that validate it, then run the
issue through the real workflow.

One issue holds a handful of vectors: its title joins them, its summary holds them all,
and each vector gets a section of its own whose title, intro, item, paper and pictures
carry that vector in every field. A field that refuses a vector with a validation error
keeps benign words instead, and the refusal is recorded with its message.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.forms import modelform_factory

from newsletter.admin.forms import ImageForm
from newsletter.models import Image, Issue, Item, Paper, Section
from tests.helpers.images import image_bytes, upload

MARKDOWN_FIELDS = {
    "issue": ["summary"],
    "section": ["intro"],
    "item": ["body"],
    "paper": ["summary"],
}
PLAIN_FIELDS = {
    "issue": ["title"],
    "section": ["title"],
    "item": ["title", "url", "source"],
    "paper": ["title", "authors", "arxiv_id", "paper_url", "code_url", "demo_url"],
    "image": ["alt_text", "caption", "credit", "credit_url"],
}
URL_FIELDS = {"url", "paper_url", "code_url", "demo_url", "credit_url"}
TITLE_LENGTH = 200
TITLE_JOIN = " · "

FORMS = {
    "issue": modelform_factory(Issue, fields=["title", "summary"]),
    "section": modelform_factory(Section, fields=["title", "intro"]),
    "item": modelform_factory(Item, fields=["title", "url", "source", "body"]),
    "paper": modelform_factory(
        Paper,
        fields=["title", "authors", "arxiv_id", "paper_url", "code_url", "demo_url", "summary"],
    ),
}


def all_fields() -> list[tuple[str, str]]:
    fields = [(m, f) for m, names in MARKDOWN_FIELDS.items() for f in names]
    return fields + [(m, f) for m, names in PLAIN_FIELDS.items() for f in names]


# Benign markdown uses every construct the allow-list keeps, so the benign pages show
# what our templates and the email edition's inlined styles do with each.
BENIGN_MARKDOWN = (
    "Benign **bold**, *emphasis*, [a link](https://example.com/) and `code` {tag}.\n\n"
    "#### A heading\n\n- one\n- two\n\n1. first\n2. second\n\n> A quotation.\n\n"
    "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```\ncode block\n```\n\n---\n\n"
    "![a chart of results](https://example.com/chart.png)"
)


def benign(model: str, name: str, tag: str) -> str:
    if name in {"summary", "intro", "body"}:
        return BENIGN_MARKDOWN.format(tag=tag)
    if name in URL_FIELDS:
        return f"https://example.com/{model}-{name}-{tag}"
    if name == "arxiv_id":
        return "1706.03762"
    return f"Benign {model} {name} {tag}"


@dataclass
class Refusals:
    """(vector, model, field) → the message the form gave."""

    messages: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def record(self, vectors: list[str], model: str, errors: dict) -> None:
        for name, problems in errors.items():
            for vector in vectors:
                self.messages[(vector, model, name)] = " ".join(problems)


def title_refusals(vectors: list[str], refusals: Refusals) -> list[str]:
    """The vectors an issue title takes on their own; the others recorded as refused."""
    form_field = FORMS["issue"].base_fields["title"]
    model_field = Issue._meta.get_field("title")
    accepted = []
    for vector in vectors:
        try:
            model_field.run_validators(form_field.clean(vector))
        except ValidationError as error:
            refusals.record([vector], "issue", {"title": error.messages})
        else:
            accepted.append(vector)
    return accepted


def titles(vectors: list[str]) -> list[list[str]]:
    """The vectors in runs whose joined words fit one issue title."""
    groups, current = [], []
    for vector in vectors:
        candidate = [*current, vector]
        if current and len(TITLE_JOIN.join(candidate)) > TITLE_LENGTH:
            groups.append(current)
            candidate = [vector]
        current = candidate
    if current:
        groups.append(current)
    return groups


def _clean(form_class, values: dict, *, model: str, vector_of: dict, refusals, tag, instance):
    """Save `values` through the form, replacing each refused value by benign words."""
    values = dict(values)
    for _ in range(len(values) + 1):
        form = form_class(data=values, instance=instance)
        if form.is_valid():
            return form.save()
        errors = {name: form.errors[name] for name in form.errors if name in values}
        assert errors, form.errors  # a refusal not tied to one field would be a surprise
        for name, problems in errors.items():
            refusals.record(vector_of.get(name, []), model, {name: problems})
            values[name] = benign(model, name, tag)
    raise AssertionError(f"{model} never validated: {values}")


def make_picture(vector: str | None, *, seed: int, refusals: Refusals, uploaded_by) -> Image:
    """A real picture through the admin's image form, its words all `vector` (or benign)."""
    tag = f"picture-{seed}"
    values = {
        name: vector if vector is not None else benign("image", name, tag)
        for name in PLAIN_FIELDS["image"]
    }
    for _ in range(len(values) + 1):
        data = image_bytes("PNG", size=(40 + seed % 300, 30 + seed // 300))
        form = ImageForm(data=values, files={"file": upload(data)}, uploaded_by=uploaded_by)
        if form.is_valid():
            return form.save()
        errors = {name: form.errors[name] for name in form.errors if name in values}
        assert errors, form.errors
        for name, problems in errors.items():
            refusals.record([vector], "image", {name: problems})
            values[name] = benign("image", name, tag)
    raise AssertionError(f"picture never validated: {values}")


def skeleton(number: int, size: int, *, tag: str) -> Issue:
    """An issue of `size` sections, each with an item and a paper, in benign words."""
    issue = Issue.objects.create(
        number=number,
        title=f"Benign issue {tag}",
        slug=f"issue-{number}",
        summary=BENIGN_MARKDOWN.format(tag=tag),
    )
    for position in range(size):
        section = Section.objects.create(
            issue=issue, title=f"Benign section {tag} {position}", position=position
        )
        Item.objects.create(
            section=section,
            title=f"Benign item {tag} {position}",
            url=f"https://example.com/item-{tag}-{position}",
            body=f"Benign body {tag} {position}.",
            position=0,
        )
        Paper.objects.create(
            section=section,
            title=f"Benign paper {tag} {position}",
            arxiv_id="1706.03762",
            summary=f"Benign paper summary {tag} {position}.",
            position=0,
        )
    return issue


def fill(
    issue: Issue, vectors: list, *, title_run: list[str], refusals: Refusals, uploaded_by, seed
) -> None:
    """Write `vectors` into every field of `issue` through the forms; None means benign.

    The title holds `title_run` (one run from `titles`); `retitle` puts the others in
    issue titles of their own.
    """
    tag = f"filled-{issue.number}"
    real = [v for v in vectors if v is not None]
    title = TITLE_JOIN.join(title_run) if title_run else f"Benign issue {tag}"
    summary = "\n\n".join(real) if real else benign("issue", "summary", tag)
    _clean(
        FORMS["issue"],
        {"title": title, "summary": summary},
        model="issue",
        vector_of={"title": title_run, "summary": real},
        refusals=refusals,
        tag=tag,
        instance=issue,
    )
    sections = list(issue.sections.order_by("position"))
    for position, (section, vector) in enumerate(zip(sections, vectors, strict=True)):
        part = f"{tag}-{position}"

        def value(model, name, vector=vector, part=part):
            return vector if vector is not None else benign(model, name, part)

        vector_of = {name: [vector] for name in ("title", "intro", "url", "source", "body")}
        vector_of |= {name: [vector] for name in PLAIN_FIELDS["paper"] + ["summary"]}
        if vector is None:
            vector_of = {}
        names = FORMS["section"]._meta.fields
        _clean(
            FORMS["section"],
            {name: value("section", name) for name in names},
            model="section",
            vector_of=vector_of,
            refusals=refusals,
            tag=part,
            instance=section,
        )
        picture = make_picture(
            vector, seed=seed + position, refusals=refusals, uploaded_by=uploaded_by
        )
        item = section.items.get()
        _clean(
            FORMS["item"],
            {name: value("item", name) for name in FORMS["item"]._meta.fields},
            model="item",
            vector_of=vector_of,
            refusals=refusals,
            tag=part,
            instance=item,
        )
        paper = section.papers.get()
        _clean(
            FORMS["paper"],
            {name: value("paper", name) for name in FORMS["paper"]._meta.fields},
            model="paper",
            vector_of=vector_of,
            refusals=refusals,
            tag=part,
            instance=paper,
        )
        Item.objects.filter(pk=item.pk).update(image=picture)
        Paper.objects.filter(pk=paper.pk).update(image=picture)
        if position == 0:
            Issue.objects.filter(pk=issue.pk).update(hero_image=picture)


def retitle(issue: Issue, vectors: list[str], *, refusals: Refusals) -> None:
    """Give `issue` the joined `vectors` as its title through the form."""
    _clean(
        FORMS["issue"],
        {"title": TITLE_JOIN.join(vectors), "summary": issue.summary},
        model="issue",
        vector_of={"title": vectors},
        refusals=refusals,
        tag=f"title-{issue.number}",
        instance=issue,
    )
