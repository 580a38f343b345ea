"""The words people agree to, by version: a consent record names the version it saw.

Change the wording by adding a version and pointing CURRENT at it; never edit a version
that consent records already name.
"""

TEXTS = {
    "form-1": (
        "Send me each issue of the newsletter by email. I can unsubscribe at any time "
        "with the link in every email; my address is used for nothing else."
    ),
}
CURRENT = "form-1"

FORM_SOURCE = "subscribe form"
RESUBSCRIBE_SOURCE = "preferences page (resubscribe)"
IMPORT_VERSION = "import"
