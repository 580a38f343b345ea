"""Reading admin pages the way a browser would."""


def form_data(response) -> dict:
    """The data a browser would post back for an admin change form, unchanged."""
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        if field.disabled:
            continue
        data[form.add_prefix(name)] = form[name].value()
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for inline_form in formset.forms:
            for name in inline_form.fields:
                data[inline_form.add_prefix(name)] = inline_form[name].value()
    return {key: "" if value is None else value for key, value in data.items()}
