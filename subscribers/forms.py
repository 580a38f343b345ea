from django import forms

from subscribers.models import NAME_MAX_LENGTH, validate_single_line


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter a whole email address, such as name@example.com.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    name = forms.CharField(
        label="Your name (optional)",
        max_length=NAME_MAX_LENGTH,
        required=False,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
