"""CSV import, from the command line: confirmed people with a consent record, nothing
suppressed brought back, every malformed line named."""

import random

import pytest
from django.core.management import CommandError, call_command

from subscribers.importing import import_subscribers
from subscribers.models import Consent, Subscriber, Suppression
from subscribers.suppression import suppress

pytestmark = pytest.mark.django_db

SOURCE = "Sign-up sheet at the May 2026 meetup"


def run(tmp_path, content, *, source=SOURCE, raw=False):
    path = tmp_path / "people.csv"
    if raw:
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    out, err = _Capture(), _Capture()
    call_command("import_subscribers", str(path), source=source, stdout=out, stderr=err)
    return out.text, err.text


class _Capture:
    def __init__(self):
        self.text = ""

    def write(self, value):
        self.text += value

    def flush(self):
        pass


def test_imported_people_are_confirmed_with_the_source_as_their_consent(tmp_path):
    out, err = run(tmp_path, "email,name\nAda@Example.com,Ada Lovelace\ngrace@example.com\n")
    assert "2 imported" in out and err == ""
    ada = Subscriber.objects.get(email="ada@example.com")
    assert (ada.name, ada.status) == ("Ada Lovelace", "confirmed")
    consent = ada.consents.get()
    assert consent.source == SOURCE and consent.text_version == "import"
    assert consent.confirmed_at == ada.confirmed_at
    assert set(Subscriber.objects.confirmed().values_list("email", flat=True)) == {
        "ada@example.com",
        "grace@example.com",
    }


def test_malformed_lines_are_reported_by_number_and_the_rest_imported(tmp_path):
    content = (
        "good1@example.com\n"  # 1
        "not-an-address\n"  # 2
        "\n"  # 3: blank, ignored
        'good2@example.com,"Eve\r\nBcc: victim@example.com"\n'  # 4-5: a name with CR/LF
        "good3@example.com,Name,extra\n"  # 6
        '"broken"quote,x\n'  # 7
        "GOOD1@example.com,again\n"  # 8
        "good4@example.com,Grace Hopper\n"  # 9
        "two@@example.com\n"  # 10
    )
    out, err = run(tmp_path, content)
    assert "2 imported" in out and "6 malformed lines" in out
    lines = err.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "line 2",
        "line 4",
        "line 6",
        "line 7",
        "line 8",
        "line 10",
    ]
    assert "line break" in lines[1]
    assert "already on line 1" in lines[4]
    assert set(Subscriber.objects.values_list("email", flat=True)) == {
        "good1@example.com",
        "good4@example.com",
    }


def test_an_import_never_undoes_a_suppression(tmp_path):
    suppress("bounced@example.com", "hard_bounce")
    suppress("left@example.com", "unsubscribe")
    Subscriber.objects.create(email="left@example.com", status="unsubscribed")
    out, err = run(tmp_path, "bounced@example.com\nLeft@example.com\nnew@example.com\n")
    assert "1 imported" in out and "2 skipped as suppressed" in out
    assert "line 1: bounced@example.com is on the suppression list" in err
    assert "line 2: left@example.com is on the suppression list" in err
    assert Subscriber.objects.get(email="left@example.com").status == "unsubscribed"
    assert not Subscriber.objects.filter(email="bounced@example.com").exists()
    assert Suppression.objects.count() == 2


def test_an_erased_persons_hashed_suppression_still_stops_an_import(tmp_path):
    suppress("erased@example.com", "complaint")
    Suppression.objects.update(email=None)  # what erasure keeps: the hash only
    out, err = run(tmp_path, "erased@example.com\n")
    assert "0 imported" in out and "1 skipped as suppressed" in out
    assert not Subscriber.objects.exists()


def test_existing_subscribers_are_left_as_they_were_and_pending_ones_confirmed(tmp_path):
    Subscriber.objects.create(email="known@example.com", name="Known", status="confirmed")
    Subscriber.objects.create(email="pending@example.com", status="pending")
    out, _ = run(tmp_path, "known@example.com,Other Name\npending@example.com\n")
    assert "1 already subscribed" in out and "1 pending confirmed" in out
    assert Subscriber.objects.get(email="known@example.com").name == "Known"
    assert Subscriber.objects.get(email="pending@example.com").status == "confirmed"
    assert Consent.objects.count() == 1  # the pending person's, from the import


@pytest.mark.parametrize("source", ["", "   ", "two\nlines", "x" * 201])
def test_an_import_without_a_proper_source_is_refused_whole(tmp_path, source):
    with pytest.raises(CommandError):
        run(tmp_path, "a@example.com\n", source=source)
    assert not Subscriber.objects.exists()


def test_a_file_that_is_not_utf8_text_is_refused_clearly(tmp_path):
    with pytest.raises(CommandError, match="not UTF-8"):
        run(tmp_path, b"caf\xe9@example.com\n", raw=True)
    assert not Subscriber.objects.exists()


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_subscribers", str(tmp_path / "nope.csv"), source=SOURCE)


def test_ten_thousand_rows_with_broken_lines_import_in_a_few_queries(
    django_assert_max_num_queries,
):
    rng = random.Random(11)
    records, broken, line, good = [], set(), 1, set()
    for n in range(10_000):
        if rng.random() < 0.03:
            record = rng.choice(["nobody", "a@@b", 'x,"y\r\nz"', "a,b,c", '"q"x'])
            broken.add(line)  # reported at the line where the record starts
        else:
            record = f"person{n}@example.com,Person {n}"
            good.add(f"person{n}@example.com")
        records.append(record)
        line += 1 + record.count("\n")
    suppress("person5@example.com", "hard_bounce")
    good.discard("person5@example.com")
    text = "\n".join(records) + "\n"
    with django_assert_max_num_queries(60):
        report = import_subscribers(text, source=SOURCE)
    assert report.imported == len(good)
    assert set(Subscriber.objects.values_list("email", flat=True)) == good
    assert Consent.objects.count() == len(good)
    assert {line for line, _ in report.errors} == broken
    assert [email for _, email in report.suppressed] == ["person5@example.com"]
