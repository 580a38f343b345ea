"""The MIME message of a newsletter email, as it goes on the wire."""

import email.policy

from django.core.mail import EmailMultiAlternatives

# RFC 5322's hard limit on a line. Python folds header lines at 78 characters, and a
# header with a word longer than that (each URL of List-Unsubscribe is over 90) comes out
# as RFC 2047 encoded words, `=?utf-8?q?=3Chttps=3A//…?=`: receivers do not decode those
# in List-Unsubscribe, so Gmail and Yahoo would offer no unsubscribe button at all.
MAX_LINE_LENGTH = 998


class BulkMessage(EmailMultiAlternatives):
    """A message whose headers are folded only past 998 characters, never encoded."""

    def message(self, *, policy=email.policy.default):
        if policy.max_line_length is not None and policy.max_line_length < MAX_LINE_LENGTH:
            policy = policy.clone(max_line_length=MAX_LINE_LENGTH)
        return super().message(policy=policy)
