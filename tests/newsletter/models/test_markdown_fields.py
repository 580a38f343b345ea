"""Every markdown field of the working copy validates as the renderer renders."""

import pytest
from django.core.exceptions import ValidationError

from newsletter.models import Issue, Item, Paper, Section

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("model", "field"),
    [(Issue, "summary"), (Section, "intro"), (Item, "body"), (Paper, "summary")],
)
def test_each_markdown_field_refuses_what_render_refuses(model, field):
    validators = model._meta.get_field(field).validators
    for text, says in (("z" * 100_001, "100,001 characters"), ("- 1. " * 300, "too deeply")):
        with pytest.raises(ValidationError) as refused:
            for validate in validators:
                validate(text)
        assert says in refused.value.messages[0]
    for validate in validators:
        validate("A *fine* [text](https://example.com).")
