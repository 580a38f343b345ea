"""Renditions are background work: an upload answers without them, a real worker process
makes them, and a revision never goes to review, live or out by email without them."""

import logging
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from newsletter.content import renditions
from newsletter.content.images import ImageRejected, ingest
from newsletter.content.rendition_tasks import enqueue_renditions, make_renditions, resume_pending
from newsletter.models import Image, Item, Revision
from tests.helpers.hostile_uploads import truncated_jpeg
from tests.helpers.images import image_bytes, noise, upload
from tests.helpers.worker import start_together_on_another_queue, start_worker, wait_for
from tests.helpers.workflow import publish

WEBP_WIDTHS = [480, 960, 1600]
EMAIL_WIDTHS = [600, 1200]


def photo(seed=0, size=(1600, 900)):
    return upload(image_bytes("JPEG", image=noise(size, seed=seed)), "photo.jpg", "image/jpeg")


def rendition_tasks():
    return DBTaskResult.objects.filter(task_path__endswith="make_renditions")


def widths(image, *, email=False):
    return [r["width"] for r in image.stored_renditions(email=email)]


def assert_made(image):
    assert widths(image) == WEBP_WIDTHS
    assert widths(image, email=True) == EMAIL_WIDTHS
    for entry in image.renditions:
        assert default_storage.exists(entry["name"]), entry


@pytest.mark.django_db(transaction=True)
def test_an_upload_answers_without_renditions_and_a_worker_process_makes_them(tmp_path, settings):
    image = ingest(photo(), alt_text="A photo")

    assert image.renditions == []
    assert default_storage.exists(image.file.name)
    # Before they exist, every view shows the stored original.
    assert image.url_at_least(960) == image.file.url
    [queued] = rendition_tasks()
    assert queued.status == "READY" and queued.args_kwargs["args"][0] == image.pk

    worker = start_worker(tmp_path, DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT))
    try:
        wait_for(lambda: not rendition_tasks().exclude(status="SUCCESSFUL").exists(), timeout=60)
    finally:
        assert worker.stop() == 0
    image.refresh_from_db()
    assert_made(image)
    # The one task: the worker's start queued no other for a picture whose task waited.
    assert list(rendition_tasks().values_list("return_value", flat=True)) == ["made"]
    assert image.url_at_least(960).endswith("-960w.webp")


@pytest.mark.django_db(transaction=True)
def test_a_starting_worker_takes_up_pictures_whose_task_was_lost(tmp_path, settings):
    image = ingest(photo(), alt_text="A photo")
    rendition_tasks().delete()  # the queue lost it

    worker = start_worker(tmp_path, DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT))
    try:
        wait_for(lambda: Image.objects.get(pk=image.pk).renditions, timeout=60)
    finally:
        assert worker.stop() == 0
    assert_made(Image.objects.get(pk=image.pk))


@pytest.mark.django_db(transaction=True)
def test_workers_starting_together_queue_only_the_pictures_with_no_task_queued(tmp_path, settings):
    queued = ingest(photo(1), alt_text="Its task queued as the upload committed")
    retrying = ingest(photo(2), alt_text="A retry waiting for its time")
    lost = ingest(photo(3), alt_text="Its task lost")
    rendition_tasks().filter(args_kwargs__args__0__in=[retrying.pk, lost.pk]).delete()
    enqueue_renditions(retrying.pk, attempt=2, wait=3600)
    media = {"DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT)}

    # Three workers of another queue start at once: their starts are all that touches
    # these tasks (none of them takes one).
    start_together_on_another_queue(tmp_path, **media)
    assert tasks_by_picture() == {
        queued.pk: [[queued.pk, 1]],
        retrying.pk: [[retrying.pk, 2]],
        lost.pk: [[lost.pk, 1]],  # queued by one of the three
    }

    # A worker of the queue starts, queues nothing more, and makes the two due.
    worker = start_worker(tmp_path, **media)
    try:
        wait_for(lambda: rendition_tasks().filter(status="SUCCESSFUL").count() == 2, timeout=60)
    finally:
        assert worker.stop() == 0
    assert tasks_by_picture() == {
        queued.pk: [[queued.pk, 1]],
        retrying.pk: [[retrying.pk, 2]],
        lost.pk: [[lost.pk, 1]],
    }
    assert sorted(rendition_tasks().values_list("status", "return_value")) == [
        ("READY", None),
        ("SUCCESSFUL", "made"),
        ("SUCCESSFUL", "made"),
    ]
    assert_made(Image.objects.get(pk=queued.pk))
    assert_made(Image.objects.get(pk=lost.pk))


def tasks_by_picture() -> dict[int, list[list]]:
    found: dict[int, list[list]] = {}
    for args_kwargs in (
        rendition_tasks().order_by("enqueued_at").values_list("args_kwargs", flat=True)
    ):
        found.setdefault(args_kwargs["args"][0], []).append(args_kwargs["args"])
    return found


@pytest.mark.django_db
def test_the_task_run_twice_changes_nothing():
    image = ingest(photo(), alt_text="A photo")

    assert make_renditions.call(image.pk) == "made"
    image.refresh_from_db()
    first = list(image.renditions)
    stored = {r["name"]: default_storage.size(r["name"]) for r in first}
    assert make_renditions.call(image.pk) == "already made"

    image.refresh_from_db()
    assert image.renditions == first
    assert {r["name"]: default_storage.size(r["name"]) for r in first} == stored
    folder = first[0]["name"].rsplit("/", 1)[0]
    token = image.file.name.rsplit("/", 1)[1].split(".")[0]
    _dirs, files = default_storage.listdir(folder)
    assert sorted(f for f in files if f.startswith(token)) == sorted(
        r["name"].rsplit("/", 1)[1] for r in first
    )  # nothing stored twice


@pytest.mark.django_db
def test_publishing_before_the_worker_made_them_makes_them_first(make_issue, client):
    hero = ingest(photo(1), alt_text="The hero")
    shown = ingest(photo(2), alt_text="An item's picture")
    inline = ingest(photo(3), alt_text="A chart")
    issue = make_issue(hero_image=hero)
    item = Item.objects.get(section__issue=issue, title="Fine-tuning on a laptop")
    item.image = shown
    item.body = f"Loss fell.\n\n![a chart]({inline.file.url})"
    item.save()
    assert renditions.pending().count() == 3  # no worker ran

    publish(issue)

    assert not renditions.pending().exists()
    revision = Revision.objects.live().get(issue=issue)
    page = client.get(revision.get_absolute_url()).content.decode()
    for image in (hero, shown, inline):
        image.refresh_from_db()
        assert_made(image)
        srcset = ", ".join(
            f"{default_storage.url(r['name'])} {r['width']}w" for r in image.stored_renditions()
        )
        assert f'srcset="{srcset}"' in page, image
    content = revision.content
    assert [r.width for r in content.issue.hero_image.renditions] == WEBP_WIDTHS
    assert [r.width for r in content.issue.hero_image.email_renditions] == EMAIL_WIDTHS


@pytest.mark.django_db
def test_a_damaged_upload_is_still_refused_in_the_request_with_its_message():
    with pytest.raises(ImageRejected) as refused:
        ingest(upload(truncated_jpeg(), "cut.jpg", "image/jpeg"), alt_text="Cut short")

    assert refused.value.code == "corrupt"
    assert "damaged or incomplete" in refused.value.messages[0]
    assert not Image.objects.exists()
    assert not rendition_tasks().exists()


@pytest.mark.django_db
def test_a_failure_is_logged_and_retried_later_and_the_last_one_fails_the_task(settings, caplog):
    settings.IMAGE_RENDITION_ATTEMPTS = 2
    image = ingest(photo(), alt_text="A photo")
    default_storage.delete(image.file.name)  # the storage lost the original
    rendition_tasks().delete()

    with caplog.at_level(logging.WARNING, logger="newsletter.renditions"):
        assert make_renditions.call(image.pk) == "retrying"
    assert "attempt 1 of 2, again in 30.0s" in caplog.text
    [retry] = rendition_tasks()
    assert retry.status == "READY"
    assert retry.run_after > timezone.now() + timedelta(seconds=25)
    assert retry.args_kwargs["args"] == [image.pk, 2]

    with (
        caplog.at_level(logging.ERROR, logger="newsletter.renditions"),
        pytest.raises(FileNotFoundError),
    ):
        make_renditions.call(image.pk, 2)
    assert "after 2 attempts" in caplog.text
    assert Image.objects.get(pk=image.pk).renditions == []


@pytest.mark.django_db
def test_a_worker_start_enqueues_only_the_pictures_still_without_renditions():
    made = ingest(photo(1), alt_text="Made")
    renditions.make([made.pk])
    waiting = ingest(photo(2), alt_text="Waiting")

    resume_pending()

    assert [t.args_kwargs["args"][0] for t in rendition_tasks()] == [waiting.pk]
