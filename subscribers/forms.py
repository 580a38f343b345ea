from django import forms

from subscribers.models import NAME_MAX_LENGTH, validate_single_line

_CONTROL = dict.fromkeys([*range(32), 127, 0x85, 0x2028, 0x2029], " ")


class SingleLineInput(forms.TextInput):
    """Shows a refused value again with its line breaks as spaces: an input's value
    attribute cannot hold a line break, and the person sees what to correct."""

    def format_value(self, value):
        value = super().format_value(value)
        return None if value is None else value.translate(_CONTROL)


class SingleLineEmailInput(SingleLineInput):
    input_type = "email"


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter a whole email address, such as name@example.com.",
        },
        widget=SingleLineEmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    name = forms.CharField(
        label="Your name (optional)",
        max_length=NAME_MAX_LENGTH,
        required=False,
        validators=[validate_single_line],
        widget=SingleLineInput(attrs={"autocomplete": "name"}),
    )
