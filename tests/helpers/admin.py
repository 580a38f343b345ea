"""Reading admin pages the way a browser would."""


def _formset_data(formset, data: dict) -> None:
    for name in formset.management_form.fields:
        data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
    for inline_form in formset.forms:
        for name in inline_form.fields:
            data[inline_form.add_prefix(name)] = inline_form[name].value()
        # django-nested-admin: the formsets of the entries inside this row.
        for nested in getattr(inline_form, "nested_formsets", []):
            _formset_data(nested, data)


def form_data(response) -> dict:
    """The data a browser would post back for an admin change form, unchanged."""
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        if field.disabled:
            continue
        data[form.add_prefix(name)] = form[name].value()
    for inline in response.context["inline_admin_formsets"]:
        _formset_data(inline.formset, data)
    return {key: "" if value is None else value for key, value in data.items()}
