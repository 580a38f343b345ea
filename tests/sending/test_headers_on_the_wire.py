"""The headers of a newsletter email as the receiving server gets them (the raw bytes, not
a parser's decoded view): receivers read List-Unsubscribe literally."""

import re

import pytest

from tests.sending.conftest import publish_and_email, subscriber

pytestmark = pytest.mark.django_db(transaction=True)


def test_list_unsubscribe_arrives_as_plain_urls_not_encoded_words(
    make_issue, people, smtp_server, immediate_tasks
):
    subscriber("ada@example.com", name="Ada Lovelace")
    publish_and_email(make_issue(), people)
    head = smtp_server.raw[0].partition(b"\r\n\r\n")[0].decode("ascii")
    found = re.search(r"^List-Unsubscribe: ([^\r\n]*)", head, re.MULTILINE)
    assert found, head
    value = found.group(1)
    assert re.fullmatch(
        r"<https://news\.example\.com/unsubscribe/[^>\s]+/>, "
        r"<mailto:unsubscribe@[^?>\s]+\?subject=unsubscribe%20[^>\s]+>",
        value,
    ), value
    assert "=?utf-8?" not in value
    assert "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in head + "\r\n"
    assert all(len(line) <= 998 for line in head.split("\r\n"))
