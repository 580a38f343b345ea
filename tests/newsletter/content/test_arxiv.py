"""arXiv references as people paste them are stored as the bare id; anything else is refused."""

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory

from newsletter.content.arxiv import MESSAGE, normalise_arxiv_id, split_version
from newsletter.models import Paper

ACCEPTED = [
    ("2310.06825", "2310.06825"),
    (" 2310.06825 ", "2310.06825"),
    ("\t2310.06825\n", "2310.06825"),
    ("2310.06825v2", "2310.06825v2"),
    ("0704.0001", "0704.0001"),
    ("arXiv:2310.06825", "2310.06825"),
    ("arxiv:2310.06825", "2310.06825"),
    ("ARXIV: 2310.06825v3", "2310.06825v3"),
    ("https://arxiv.org/abs/2310.06825", "2310.06825"),
    ("https://arxiv.org/abs/2310.06825v2", "2310.06825v2"),
    ("http://arxiv.org/pdf/2310.06825.pdf", "2310.06825"),
    ("https://arxiv.org/pdf/2310.06825v2.pdf", "2310.06825v2"),
    ("arxiv.org/pdf/2310.06825v1", "2310.06825v1"),
    ("https://www.arxiv.org/abs/2310.06825", "2310.06825"),
    ("https://export.arxiv.org/abs/2310.06825", "2310.06825"),
    ("https://arxiv.org/html/2310.06825v1", "2310.06825v1"),
    ("https://arxiv.org/abs/2310.06825/", "2310.06825"),
    ("https://arxiv.org/abs/2310.06825?context=cs.CL", "2310.06825"),
    ("https://arxiv.org/abs/2310.06825#S2", "2310.06825"),
    ("HTTPS://ArXiv.org/ABS/2310.06825", "2310.06825"),
    ("hep-th/9901001", "hep-th/9901001"),
    ("hep-th/9901001v2", "hep-th/9901001v2"),
    ("math.AG/0309136", "math.AG/0309136"),
    ("arXiv:hep-th/9901001", "hep-th/9901001"),
    ("https://arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
]

REFUSED = [
    "",
    "   ",
    "2310.068",  # too short
    "2310.068251",  # too long
    "231.06825",
    "2310.06825v",  # a version needs its number
    "2310.06825 v2",
    "arXiv 2310.06825",
    "arXiv:",
    "doi:10.48550/arXiv.2310.06825",
    "https://example.com/abs/2310.06825",
    "https://arxiv.org.evil.example/abs/2310.06825",
    "https://notarxiv.org/abs/2310.06825",
    "https://arxiv.org/list/cs.LG/recent",
    "https://arxiv.org/abs/",
    "ftp://arxiv.org/abs/2310.06825",
    "https://arxiv.org/abs/2310.06825 and more",
    "2310.06825, 2401.00001",
    "HEP-TH/9901001",
    "hep-th/990100",
    "<script>2310.06825</script>",
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_references_are_read_as_the_bare_id(text, expected):
    assert normalise_arxiv_id(text) == expected


@pytest.mark.parametrize("text", REFUSED)
def test_anything_else_is_refused_with_the_validators_message(text):
    with pytest.raises(ValueError, match=MESSAGE.replace(".", r"\.")):
        normalise_arxiv_id(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://arxiv.org/abs/2310.06825v2", "2310.06825"),
        ("arXiv:hep-th/9901001v3", "hep-th/9901001"),
        ("2310.06825", "2310.06825"),
    ],
)
def test_the_version_can_be_dropped(text, expected):
    assert normalise_arxiv_id(text, keep_version=False) == expected


def test_split_version():
    assert split_version("2310.06825v2") == ("2310.06825", "v2")
    assert split_version("hep-th/9901001") == ("hep-th/9901001", "")
    with pytest.raises(ValueError):
        split_version("arXiv:2310.06825")


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_the_stored_ids_pass_the_models_validator(text, expected):
    Paper._meta.get_field("arxiv_id").run_validators(normalise_arxiv_id(text))


# The model field and every form built from it ------------------------------------------


PaperForm = modelform_factory(Paper, fields=["title", "arxiv_id"])


@pytest.mark.parametrize(("text", "expected"), [*ACCEPTED, ("", ""), ("   ", "")])
def test_a_model_form_stores_the_bare_id(text, expected):
    form = PaperForm({"title": "Mistral 7B", "arxiv_id": text})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["arxiv_id"] == expected
    assert form.instance.arxiv_id == expected


@pytest.mark.parametrize("text", [t for t in REFUSED if t.strip()])
def test_a_model_form_refuses_anything_else_on_the_field(text):
    form = PaperForm({"title": "Mistral 7B", "arxiv_id": text})

    assert not form.is_valid()
    assert form.errors["arxiv_id"] == [MESSAGE]


def test_a_pasted_link_longer_than_the_stored_id_fits_in_the_input():
    html = str(PaperForm()["arxiv_id"])

    assert "maxlength" not in html
    long_link = "https://export.arxiv.org/abs/hep-th/9901001v12?context=hep-th#section-2"
    assert len(long_link) > Paper._meta.get_field("arxiv_id").max_length
    form = PaperForm({"title": "Old school", "arxiv_id": long_link})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["arxiv_id"] == "hep-th/9901001v12"


def test_the_form_explains_what_is_stored():
    help_text = str(PaperForm()["arxiv_id"].help_text)
    assert "arxiv.org link" in help_text and "v2" in help_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("arXiv:2310.06825", "2310.06825"), ("http://arxiv.org/pdf/2310.06825v2.pdf", "2310.06825v2")],
)
def test_full_clean_normalises_the_model_field(text, expected):
    paper = Paper(title="Mistral 7B", arxiv_id=text)
    paper.clean_fields(exclude=["section"])
    assert paper.arxiv_id == expected


def test_full_clean_refuses_anything_else():
    paper = Paper(title="Mistral 7B", arxiv_id="https://example.com/2310.06825")
    with pytest.raises(ValidationError) as refused:
        paper.clean_fields(exclude=["section"])
    assert refused.value.message_dict == {"arxiv_id": [MESSAGE]}


def test_lookups_are_not_normalised():
    # Only cleaning reads references; queries compare what is stored.
    query = str(Paper.objects.filter(arxiv_id__icontains="arXiv:2310").query)
    assert "arXiv:2310" in query
