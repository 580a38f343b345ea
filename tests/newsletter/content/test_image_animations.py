"""Animations: their frames are capped in number and, together, in pixels.

A GIF of 100,000 one-pixel frames is 2.3 MB and passes any pixel limit, yet decoding,
re-encoding and making renditions of it took minutes of CPU and hundreds of megabytes.
The frame count is checked before any frame is decoded, and without walking the whole
file.
"""

import pytest
from django.test import Client

from newsletter.content import images
from newsletter.models import Image
from tests.helpers.images import animated_gif, animated_png, gif_bomb, upload

pytestmark = pytest.mark.django_db


def refusal(data, name) -> images.ImageRejected:
    with pytest.raises(images.ImageRejected) as caught:
        images.ingest(upload(data, name), alt_text="An animation")
    assert Image.objects.count() == 0
    return caught.value


@pytest.fixture
def no_decoding(monkeypatch):
    """Fail the test if any frame gets decoded."""

    def decode(*args, **kwargs):
        raise AssertionError("frames were decoded before the frame count was checked")

    monkeypatch.setattr(images, "_decode_pixels", decode)


def test_a_gif_of_100000_one_pixel_frames_is_refused_before_any_frame_is_decoded(
    no_decoding, media_in_tmp
):
    data = gif_bomb(100_000)
    assert 2_200_000 < len(data) < 2_400_000

    error = refusal(data, "bomb.gif")

    assert error.code == "too_many_frames"
    assert error.messages == [
        "This animation has more than 1000 frames; the limit is 1000 frames. Shorten it "
        "or lower its frame rate, and upload it again."
    ]
    assert not (media_in_tmp / "images").exists()


def test_the_frame_count_of_a_gif_is_not_walked_to_its_end(monkeypatch, no_decoding):
    from PIL import GifImagePlugin

    def n_frames(self):
        raise AssertionError("n_frames walks every frame of the file")

    monkeypatch.setattr(GifImagePlugin.GifImageFile, "n_frames", property(n_frames))

    assert refusal(gif_bomb(5_000), "bomb.gif").code == "too_many_frames"


def test_an_animation_at_the_frame_limit_is_accepted_and_one_more_frame_is_refused(settings):
    settings.IMAGE_MAX_FRAMES = 6

    image = images.ingest(upload(animated_gif(frames=6), "six.gif"), alt_text="Six frames")
    assert image.pk is not None

    with pytest.raises(images.ImageRejected) as caught:
        images.ingest(upload(animated_gif(frames=7, size=(50, 40)), "seven.gif"), alt_text="7")
    assert caught.value.code == "too_many_frames"
    assert "more than 6 frames" in caught.value.messages[0]
    assert list(Image.objects.all()) == [image]


def test_an_animated_png_with_too_many_frames_is_refused_with_its_count(settings):
    settings.IMAGE_MAX_FRAMES = 4

    error = refusal(animated_png(frames=9), "clip.png")

    assert error.code == "too_many_frames"
    assert "has 9 frames; the limit is 4 frames" in error.messages[0]


def test_frames_and_pixels_together_are_still_capped(settings):
    settings.IMAGE_MAX_PIXELS = 60 * 40 * 4  # four frames of 60 x 40

    assert refusal(animated_gif(frames=5, size=(60, 40)), "clip.gif").code == (
        "animation_too_large"
    )


def test_the_editor_upload_refuses_the_bomb_with_400_and_the_reason(editor, no_decoding):
    client = Client()
    client.force_login(editor)

    response = client.post(
        "/admin/markdownx/upload/", {"image": upload(gif_bomb(100_000), "bomb.gif", "image/gif")}
    )

    assert response.status_code == 400
    assert "more than 1000 frames" in response.json()["image"][0]
    assert Image.objects.count() == 0
