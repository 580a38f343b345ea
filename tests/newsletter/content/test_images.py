"""The one image pipeline: what is accepted, what is refused, and what is stored."""

import hashlib
import io
import math
import resource
import sys

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import ProtectedError
from PIL import ExifTags, ImageChops, ImageFilter, ImageStat
from PIL import Image as PILImage

from newsletter.admin.forms import ImageForm
from newsletter.content import images
from newsletter.models import Image
from tests.helpers.images import (
    animated_gif,
    gradient,
    image_bytes,
    noise,
    png_bomb,
    upload,
    with_renditions,
)
from tests.helpers.workflow import publish

pytestmark = pytest.mark.django_db

SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
SVG += b'<script>alert(1)</script><rect width="10" height="10"/></svg>'


def ingest(data, name="picture.png", **kwargs):
    """An upload through the pipeline, with the renditions a worker then makes."""
    kwargs.setdefault("alt_text", "A test picture")
    return with_renditions(images.ingest(upload(data, name), **kwargs))


def stored(name) -> bytes:
    with default_storage.open(name) as f:
        return f.read()


def open_stored(name) -> PILImage.Image:
    im = PILImage.open(io.BytesIO(stored(name)))
    im.load()
    return im


def refusal(data, name="picture.png") -> images.ImageRejected:
    with pytest.raises(images.ImageRejected) as caught:
        ingest(data, name)
    assert Image.objects.count() == 0
    return caught.value


def files_under(media_root, folder):
    root = media_root / folder
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize(
    ("fmt", "extension", "mode"),
    [
        ("JPEG", ".jpg", "RGB"),
        ("PNG", ".png", "RGBA"),
        ("GIF", ".gif", "P"),
        ("WEBP", ".webp", "RGB"),
    ],
)
def test_jpeg_png_gif_and_webp_are_accepted_and_stored_in_their_own_format(fmt, extension, mode):
    data = image_bytes(fmt, size=(64, 48), mode=mode)

    image = ingest(data, name=f"Holiday snap{extension}", alt_text="A gradient")

    assert image.file.name.startswith("images/")
    assert image.file.name.endswith(extension)
    assert "holiday" not in image.file.name  # a random name, never the upload's
    assert open_stored(image.file.name).format == fmt
    assert (image.width, image.height) == (64, 48)
    assert image.sha256 == hashlib.sha256(data).hexdigest()
    assert image.alt_text == "A gradient"


def test_an_svg_is_refused_with_a_message_naming_svg():
    error = refusal(SVG, name="logo.svg")
    assert error.code == "svg"
    assert "SVG images are not accepted" in error.messages[0]


@pytest.mark.parametrize(("fmt", "name"), [("BMP", "scan.bmp"), ("TIFF", "scan.jpg")])
def test_other_image_formats_are_refused_whatever_their_name(fmt, name):
    error = refusal(image_bytes(fmt), name=name)
    assert error.code == "invalid_format"
    assert "Upload a JPEG, PNG, GIF or WebP image" in error.messages[0]


def test_a_text_file_named_photo_jpg_is_refused():
    error = refusal(b"Just some notes, certainly not a picture.\n" * 10, name="photo.jpg")
    assert error.code == "invalid_format"


def test_an_empty_file_is_refused():
    assert refusal(b"", name="photo.jpg").code == "empty"


def test_a_png_named_jpg_is_accepted_as_a_png_because_content_wins():
    image = ingest(image_bytes("PNG"), name="photo.jpg")

    assert image.file.name.endswith(".png")
    assert open_stored(image.file.name).format == "PNG"


def test_a_file_over_the_upload_size_limit_is_refused(settings):
    data = image_bytes("PNG", image=noise((64, 64)))
    settings.IMAGE_MAX_UPLOAD_BYTES = len(data) - 1

    error = refusal(data)

    assert error.code == "file_too_large"
    assert "limit" in error.messages[0]


def test_a_file_over_the_size_limit_is_refused_even_without_a_size_attribute(settings):
    data = image_bytes("PNG", image=noise((64, 64)))
    settings.IMAGE_MAX_UPLOAD_BYTES = len(data) - 1

    with pytest.raises(images.ImageRejected) as caught:
        images.ingest(io.BytesIO(data), alt_text="Noise")

    assert caught.value.code == "file_too_large"


def test_a_file_exactly_at_the_size_limit_is_accepted(settings):
    data = image_bytes("PNG")
    settings.IMAGE_MAX_UPLOAD_BYTES = len(data)
    assert ingest(data).pk is not None


def test_an_image_over_the_pixel_limit_is_refused_with_its_dimensions(settings):
    settings.IMAGE_MAX_PIXELS = 100 * 100

    error = refusal(image_bytes("JPEG", size=(120, 100)))

    assert error.code == "too_many_pixels"
    assert "120 × 100 pixels" in error.messages[0]


def test_an_animation_whose_frames_together_exceed_the_pixel_limit_is_refused(settings):
    settings.IMAGE_MAX_PIXELS = 60 * 40 * 2  # one frame fits, three do not

    error = refusal(animated_gif(frames=3, size=(60, 40)), name="clip.gif")

    assert error.code == "animation_too_large"
    assert "3 frames" in error.messages[0]


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


def test_a_decompression_bomb_is_refused_from_its_header_without_decoding_it():
    bomb = png_bomb(20_000, 20_000)  # 400 megapixels in under 50 kB
    assert len(bomb) < 100_000
    with pytest.raises(PILImage.DecompressionBombError):
        PILImage.open(io.BytesIO(bomb))  # Pillow itself sees a bomb: the file is genuine
    before = _peak_rss_mb()

    error = refusal(bomb, name="innocent.png")

    assert error.code == "decompression_bomb"
    assert "decompression bomb" in error.messages[0]
    # Decoding would need 400 MB; refusing from the header needs next to nothing.
    assert _peak_rss_mb() - before < 100


def test_pillows_decompression_bomb_warning_is_an_error_even_when_our_own_limit_is_higher(
    settings,
):
    settings.IMAGE_MAX_PIXELS = 500_000_000
    bomb = png_bomb(10_000, 10_000)  # over Pillow's warning threshold, under its error one
    with pytest.warns(PILImage.DecompressionBombWarning):
        PILImage.open(io.BytesIO(bomb))

    assert refusal(bomb).code == "decompression_bomb"


def test_a_truncated_jpeg_is_refused_as_damaged():
    data = image_bytes("JPEG", image=noise((200, 150)), quality=95)

    error = refusal(data[: len(data) // 2], name="cut-short.jpg")

    assert error.code == "corrupt"
    assert "damaged or incomplete" in error.messages[0]


def test_a_png_with_a_broken_header_is_refused_as_damaged():
    data = bytearray(image_bytes("PNG"))
    data[16:24] = b"\xff" * 8  # width and height no longer match the header checksum

    assert refusal(bytes(data)).code == "corrupt"


def test_the_exif_orientation_is_applied_before_the_size_is_recorded():
    exif = PILImage.Exif()
    exif[ExifTags.Base.Orientation] = 6  # "rotate 90° clockwise to display"
    left_half_red = PILImage.new("RGB", (40, 20), "blue")
    left_half_red.paste("red", (0, 0, 20, 20))
    data = image_bytes("JPEG", image=left_half_red, exif=exif.tobytes())

    image = ingest(data, name="portrait.jpg")

    assert (image.width, image.height) == (20, 40)
    picture = open_stored(image.file.name)
    assert picture.size == (20, 40)
    assert picture.getexif().get(ExifTags.Base.Orientation) is None
    red, green, blue = picture.getpixel((10, 5))  # the red half is now on top
    assert red > 200 and blue < 60
    webp = image.stored_renditions()
    assert webp == [{"width": 20, "height": 40, "name": webp[0]["name"]}]


def test_exif_gps_and_xmp_are_stripped_from_a_jpeg():
    exif = PILImage.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 0.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (0.0, 7.0, 0.0)
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>CreatorHome</rdf:RDF></x:xmpmeta>'
    data = image_bytes("JPEG", exif=exif.tobytes(), xmp=xmp, comment=b"shot at home")
    original = PILImage.open(io.BytesIO(data))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the upload does carry GPS
    assert b"SecretCam" in data and b"CreatorHome" in data

    image = ingest(data, name="home.jpg")

    raw = stored(image.file.name)
    picture = open_stored(image.file.name)
    assert dict(picture.getexif()) == {}
    assert not {"exif", "xmp", "comment"} & set(picture.info)
    for secret in (b"Exif\x00\x00", b"SecretCam", b"CreatorHome", b"shot at home"):
        assert secret not in raw
    assert picture.info.get("progressive") == 1


def test_text_chunks_and_exif_are_stripped_from_a_png_and_a_webp():
    from PIL.PngImagePlugin import PngInfo

    exif = PILImage.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    text = PngInfo()
    text.add_text("Comment", "SecretComment")
    png = image_bytes("PNG", exif=exif.tobytes(), pnginfo=text)
    webp = image_bytes("WEBP", size=(30, 30), exif=exif.tobytes())

    for data, name in ((png, "a.png"), (webp, "b.webp")):
        raw = stored(ingest(data, name=name).file.name)
        assert b"SecretCam" not in raw and b"SecretComment" not in raw


def test_the_icc_profile_is_kept_so_colours_do_not_shift():
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = ingest(image_bytes("JPEG", icc_profile=profile), name="colour.jpg")

    assert open_stored(image.file.name).info.get("icc_profile") == profile


def test_a_cmyk_jpeg_is_stored_as_rgb():
    image = ingest(image_bytes("JPEG", mode="CMYK"), name="print.jpg")
    assert open_stored(image.file.name).mode == "RGB"


def test_the_same_bytes_uploaded_twice_are_one_image_and_one_stored_file(media_in_tmp):
    data = image_bytes("JPEG", size=(800, 600))

    first = ingest(data, name="first.jpg", alt_text="First description")
    files = files_under(media_in_tmp, "images") + files_under(media_in_tmp, "renditions")
    second = ingest(data, name="second.jpg", alt_text="Second description")

    assert second.pk == first.pk
    assert Image.objects.count() == 1
    assert second.alt_text == "First description"
    assert files_under(media_in_tmp, "images") + files_under(media_in_tmp, "renditions") == files
    assert len(files_under(media_in_tmp, "images")) == 1


def test_get_or_ingest_says_whether_the_image_was_created():
    data = image_bytes("PNG")
    assert images.get_or_ingest(upload(data), alt_text="A picture")[1] is True
    assert images.get_or_ingest(upload(data), alt_text="A picture")[1] is False


def test_a_refused_upload_leaves_no_file_behind(media_in_tmp):
    refusal(SVG, name="logo.svg")
    refusal(png_bomb(20_000, 20_000))
    assert not (media_in_tmp / "images").exists()
    assert not (media_in_tmp / "renditions").exists()


def test_an_upload_without_alt_text_is_refused():
    with pytest.raises(images.ImageRejected) as caught:
        images.ingest(upload(image_bytes("PNG")), alt_text="  ")
    assert caught.value.code == "alt_text"
    assert Image.objects.count() == 0


@pytest.mark.parametrize(
    ("width", "widths"),
    [(2000, [480, 960, 1600]), (1600, [480, 960, 1600]), (800, [480]), (300, [300])],
)
def test_webp_renditions_are_made_at_each_width_up_to_the_original_never_upscaled(width, widths):
    data = image_bytes("JPEG", size=(width, width // 2))

    image = ingest(data, name="wide.jpg")

    assert [r["width"] for r in image.stored_renditions()] == widths
    for rendition in image.stored_renditions():
        assert rendition["name"].startswith("renditions/")
        picture = open_stored(rendition["name"])
        assert picture.format == "WEBP"
        assert picture.size == (rendition["width"], rendition["height"])
        assert rendition["height"] == round(rendition["width"] / 2)


def _psnr(a: PILImage.Image, b: PILImage.Image) -> float:
    difference = ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB")))
    mse = sum(rms * rms for rms in difference.rms) / 3
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def test_every_rendition_is_the_picture_at_its_size_whichever_it_was_resized_from():
    """The smaller renditions are resized from larger ones, not from the upload: each must
    still look like the upload resized straight to its size."""
    photo = gradient((2000, 1000)).filter(ImageFilter.GaussianBlur(2))
    photo.paste(noise((400, 200), seed=3).filter(ImageFilter.GaussianBlur(1)), (800, 400))
    image = ingest(image_bytes("JPEG", image=photo, quality=95), name="photo.jpg")
    original = open_stored(image.file.name).convert("RGB")

    made = image.stored_renditions() + image.stored_renditions(email=True)
    assert sorted(r["width"] for r in made) == [480, 600, 960, 1200, 1600]
    for rendition in made:
        size = (rendition["width"], rendition["height"])
        straight = original.resize(size, PILImage.Resampling.LANCZOS)
        assert _psnr(open_stored(rendition["name"]), straight) > 35, rendition["name"]


def test_renditions_are_what_the_snapshot_srcset_reads():
    from newsletter.content.build import image_ref

    image = ingest(image_bytes("PNG", size=(1000, 500)), name="chart.png")

    ref = image_ref(image)

    assert ref.srcset == f"{ref.renditions[0].url} 480w, {ref.renditions[1].url} 960w"
    assert ref.url == image.file.url


@pytest.mark.parametrize(
    ("width", "widths"), [(2000, [600, 1200]), (1200, [600, 1200]), (800, [600]), (300, [300])]
)
def test_email_renditions_are_jpeg_at_each_email_width_never_upscaled(width, widths):
    image = ingest(image_bytes("WEBP", size=(width, width // 2)), name="wide.webp")

    email = image.stored_renditions(email=True)
    assert [r["width"] for r in email] == widths
    for rendition in email:
        assert rendition["format"] == "jpeg" and rendition["name"].endswith(".jpg")
        picture = open_stored(rendition["name"])
        assert picture.format == "JPEG"
        assert picture.size == (rendition["width"], rendition["height"])


def test_email_renditions_are_png_only_where_the_picture_is_see_through():
    clear = PILImage.new("RGBA", (700, 100), (0, 0, 0, 0))
    clear.paste((255, 0, 0, 255), (0, 0, 350, 100))
    opaque = PILImage.new("RGBA", (700, 100), (0, 128, 0, 255))  # an alpha channel, all solid

    see_through = ingest(image_bytes("PNG", image=clear), name="logo.png")
    solid = ingest(image_bytes("PNG", image=opaque), name="flat.png")
    animation = ingest(animated_gif(frames=3), name="demo.gif")

    (png,) = see_through.stored_renditions(email=True)
    assert png["format"] == "png"
    assert open_stored(png["name"]).getpixel((550, 40))[3] == 0
    (jpeg,) = solid.stored_renditions(email=True)
    assert jpeg["format"] == "jpeg" and open_stored(jpeg["name"]).format == "JPEG"
    assert animation.stored_renditions(email=True) == []  # the email shows the GIF itself


def test_an_animated_gif_keeps_its_frames_in_the_original_and_the_rendition():
    image = ingest(animated_gif(frames=3), name="demo.gif")

    picture = open_stored(image.file.name)
    assert picture.format == "GIF"
    assert picture.n_frames == 3
    rendition = open_stored(image.renditions[0]["name"])
    assert rendition.format == "WEBP"
    assert getattr(rendition, "n_frames", 1) == 3


def test_a_transparent_png_keeps_its_transparency():
    picture = PILImage.new("RGBA", (40, 40), (0, 0, 0, 0))
    picture.paste((255, 0, 0, 255), (0, 0, 20, 20))

    image = ingest(image_bytes("PNG", image=picture))

    assert open_stored(image.file.name).getpixel((30, 30))[3] == 0
    assert open_stored(image.renditions[0]["name"]).getpixel((30, 30))[3] == 0


def test_validate_rewinds_the_file_for_the_next_reader():
    file = upload(image_bytes("PNG"))
    images.validate(file)
    assert file.tell() == 0
    with pytest.raises(images.ImageRejected):
        images.validate(upload(SVG, "logo.svg"))


@pytest.mark.parametrize(
    ("name", "alt"),
    [
        ("team-photo_2024.jpg", "Team photo 2024"),
        ("IMG_0042.JPG", "IMG 0042"),
        ("C:\\Users\\me\\my  holiday.png", "My holiday"),
        ("diagram [final] (v2).webp", "Diagram final v2"),
        ("___.png", "Uploaded image"),
        ("", "Uploaded image"),
        (".png", "Uploaded image"),
    ],
)
def test_alt_text_from_filename_reads_like_words_and_is_never_empty(name, alt):
    assert images.alt_text_from_filename(name) == alt


def test_an_image_a_revision_shows_cannot_be_deleted(make_issue, editor):
    image = ingest(image_bytes("PNG"), alt_text="Hero")
    issue = make_issue(hero_image=image)
    publish(issue)
    # The working copy no longer uses it; only the published revision does.
    issue.hero_image = None
    issue.save()

    with pytest.raises(ProtectedError):
        image.delete()
    with pytest.raises(ProtectedError):
        images.delete_image(image)

    assert Image.objects.filter(pk=image.pk).exists()
    assert default_storage.exists(image.file.name)
    assert all(default_storage.exists(r["name"]) for r in image.renditions)


def test_deleting_an_unused_image_removes_its_file_and_renditions(
    django_capture_on_commit_callbacks,
):
    image = ingest(image_bytes("JPEG", size=(1000, 500)), name="old.jpg")
    names = [image.file.name, *(r["name"] for r in image.renditions)]
    assert len(names) == 4 and all(default_storage.exists(n) for n in names)  # 2 WebP, 1 JPEG

    with django_capture_on_commit_callbacks(execute=True):
        images.delete_image(image)

    assert not Image.objects.exists()
    assert not any(default_storage.exists(n) for n in names)


def test_ingest_accepts_a_plain_django_file_and_a_binary_file_object():
    assert images.ingest(ContentFile(image_bytes("PNG"), name="x.png"), alt_text="One").pk
    plain = images.ingest(io.BytesIO(image_bytes("GIF")), alt_text="Two")
    assert plain.file.name.endswith(".gif")


# The admin form


def form_for(data_bytes, name="photo.png", **fields):
    data = {"alt_text": "A photo", "caption": "", "credit": "", "credit_url": "", **fields}
    return ImageForm(data=data, files={"file": upload(data_bytes, name)})


def test_the_image_form_shows_a_field_error_for_a_refused_file():
    form = form_for(SVG, name="logo.svg")

    assert not form.is_valid()
    assert "SVG images are not accepted" in form.errors["file"][0]
    assert Image.objects.count() == 0


def test_the_image_form_shows_a_field_error_for_a_text_file_named_jpg():
    form = form_for(b"not a picture", name="photo.jpg")
    assert not form.is_valid()
    assert "Upload a JPEG, PNG, GIF or WebP image" in form.errors["file"][0]


def test_the_image_form_saves_a_new_upload_through_the_pipeline(editor):
    form = form_for(image_bytes("PNG", size=(900, 300)), caption="Our chart", credit="Us")

    assert form.is_valid(), form.errors
    image = form.save(uploaded_by=editor)

    assert form.created is True
    assert (image.alt_text, image.caption, image.credit) == ("A photo", "Our chart", "Us")
    assert image.uploaded_by == editor
    assert image.renditions == []  # a worker makes them
    assert [r["width"] for r in with_renditions(image).stored_renditions()] == [480]


def test_the_image_form_takes_the_uploader_from_an_attribute_as_the_admin_sets_it(editor):
    form = form_for(image_bytes("PNG"))
    form.uploaded_by = editor
    assert form.is_valid()

    image = form.save(commit=False)
    form.save_m2m()

    assert image.pk and image.uploaded_by == editor


def test_the_image_form_returns_the_existing_image_for_the_same_bytes():
    data = image_bytes("PNG")
    first = ingest(data, alt_text="Original words")
    form = form_for(data, alt_text="Other words")

    assert form.is_valid()
    assert form.save().pk == first.pk
    assert form.created is False
    assert Image.objects.count() == 1


def test_editing_an_image_changes_its_words_but_never_its_picture():
    image = ingest(image_bytes("PNG"), alt_text="Before")
    sha256, name = image.sha256, image.file.name
    form = ImageForm(
        data={"alt_text": "After", "caption": "New caption", "credit": "", "credit_url": ""},
        files={"file": upload(image_bytes("JPEG", size=(10, 10)), "other.jpg")},
        instance=image,
    )

    assert form.is_valid(), form.errors
    form.save()

    image.refresh_from_db()
    assert (image.alt_text, image.caption) == ("After", "New caption")
    assert (image.sha256, image.file.name) == (sha256, name)
    assert Image.objects.count() == 1
