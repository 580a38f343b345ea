"""The one image pipeline: every upload (admin form, editor drag-and-drop) comes through here.

An upload is recognised by its content (Pillow's detected format), never by its name or
its client content type. Limits are checked on the header before any pixel is decoded:
bytes, pixels, and for an animation its frame count and all its frames' pixels together.
The stored original is re-encoded in its own format with the EXIF orientation applied
and every piece of metadata dropped (EXIF including GPS, XMP, comments, text chunks);
the ICC colour profile is kept, because dropping it would shift the colours of wide-gamut
photos. CMYK JPEGs are converted to sRGB through their profile. That much happens in the
upload's request; the renditions are background work (newsletter.content.renditions),
made from the stored original: WebP renditions for srcset at
settings.IMAGE_RENDITION_WIDTHS, never upscaled, and the email's at
IMAGE_EMAIL_RENDITION_WIDTHS, in JPEG, or PNG when the picture has transparency, since
desktop Outlook shows no WebP (a GIF's email edition is the GIF).

`sha256` is the hash of the uploaded bytes, so the same upload twice is one Image.
"""

import hashlib
import io
import logging
import os
import re
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from PIL import ExifTags, ImageCms, ImageOps, ImageSequence, UnidentifiedImageError
from PIL import Image as PILImage

from newsletter.models import Image
from newsletter.models.images import STORAGE_ERRORS, remove_stored

logger = logging.getLogger(__name__)

ACCEPTED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}
JPEG_QUALITY = 88
WEBP_QUALITY = 82
# libwebp's effort, 0 to 6. For an opaque picture, 3 makes files within 0.3 % of 4's in
# size and in PSNR, in 15 to 25 % less time (below 3 they grow by 6 to 10 %); a picture
# with transparency keeps 4, at which its alpha plane is 10 % smaller (bench/README.md).
WEBP_METHOD, WEBP_METHOD_WITH_ALPHA = 3, 4
FALLBACK_ALT_TEXT = "Uploaded image"

_ORIENTATION = {
    2: PILImage.Transpose.FLIP_LEFT_RIGHT,
    3: PILImage.Transpose.ROTATE_180,
    4: PILImage.Transpose.FLIP_TOP_BOTTOM,
    5: PILImage.Transpose.TRANSPOSE,
    6: PILImage.Transpose.ROTATE_270,
    7: PILImage.Transpose.TRANSVERSE,
    8: PILImage.Transpose.ROTATE_90,
}


class ImageRejected(ValidationError):
    """An upload the pipeline refuses; `.messages` are fit to show the person uploading."""


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.0f}" if pixels >= 10_000_000 else f"{pixels / 1_000_000:.1f}"


def _format_refused() -> ImageRejected:
    return ImageRejected(
        "Upload a JPEG, PNG, GIF or WebP image: this file is not one of those, "
        "whatever its name says.",
        code="invalid_format",
    )


def _bomb(size=None) -> ImageRejected:
    declared = f" ({size[0]} × {size[1]} pixels)" if size else ""
    return ImageRejected(
        f"This file declares enormous dimensions{declared} for its size, the mark of a "
        "decompression bomb, so it was refused. Resize the picture and upload it again.",
        code="decompression_bomb",
    )


def _corrupt() -> ImageRejected:
    return ImageRejected(
        "This image file is damaged or incomplete (was the upload cut short?). Open it in "
        "an image editor, save it again and upload that copy.",
        code="corrupt",
    )


def _storage_failed() -> ImageRejected:
    return ImageRejected(
        "The picture could not be stored: the site's file storage is full or unavailable. "
        "Nothing was saved; try again in a while, and if it keeps happening tell whoever "
        "runs the site.",
        code="storage_unavailable",
    )


def _has_accepted_signature(data: bytes) -> bool:
    return data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    )


def _looks_like_svg(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) and b"<svg" in data[:8192].lower()


def _read(file) -> bytes:
    """The uploaded bytes, refusing more than IMAGE_MAX_UPLOAD_BYTES without reading them all."""
    limit = settings.IMAGE_MAX_UPLOAD_BYTES
    too_big = ImageRejected(
        f"This file is larger than the {filesizeformat(limit)} limit. Export it at a smaller "
        "size or a higher compression and upload it again.",
        code="file_too_large",
    )
    size = getattr(file, "size", None)
    if isinstance(size, int) and size > limit:
        raise too_big
    if isinstance(file, File) and file.closed:
        file.open("rb")
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(limit + 1)
    if hasattr(file, "seek"):
        file.seek(0)
    if len(data) > limit:
        raise too_big
    if not data:
        raise ImageRejected("The file is empty.", code="empty")
    return data


@dataclass
class _Decoded:
    """A decoded upload: oriented frames with no metadata, and what is needed to save them."""

    format: str
    frames: list[PILImage.Image]
    durations: list[int] = field(default_factory=list)
    loop: int = 0
    icc_profile: bytes | None = None

    @property
    def animated(self) -> bool:
        return len(self.frames) > 1

    @property
    def size(self) -> tuple[int, int]:
        return self.frames[0].size


def _open(data: bytes) -> PILImage.Image:
    """Open (header only) with Pillow's bomb warning turned into an error."""
    if _looks_like_svg(data):
        raise ImageRejected(
            "SVG images are not accepted because they can carry scripts. Export the picture "
            "as PNG or WebP and upload that.",
            code="svg",
        )
    try:
        im = PILImage.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as error:
        raise _bomb() from error
    except UnidentifiedImageError as error:
        # Pillow says "unidentified" when the header of a known format is malformed, too.
        raise (_corrupt() if _has_accepted_signature(data) else _format_refused()) from error
    except Exception as error:  # a malformed header in an accepted format
        logger.info("Refused an unreadable image header: %r", error)
        raise _corrupt() from error
    if im.format not in ACCEPTED_FORMATS:  # pragma: no cover - formats= already ensures it
        raise _format_refused()
    return im


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    """The position after the GIF data sub-blocks starting at `pos`."""
    while pos < len(data):
        size = data[pos]
        pos += 1 + size
        if size == 0:
            break
    return pos


def _gif_frames_up_to(data: bytes, limit: int) -> int:
    """How many frames the GIF `data` holds, counting no further than `limit` + 1.

    A walk over the blocks that decodes nothing and stops past the limit: Pillow's
    n_frames walks the whole file, seconds for a bomb of a million tiny frames.
    """
    if len(data) < 13:
        return 1
    pos = 13
    if data[10] & 0x80:  # a global colour table
        pos += 3 << ((data[10] & 7) + 1)
    frames = 0
    while pos < len(data) and frames <= limit:
        block = data[pos]
        if block == 0x2C:  # an image descriptor: a frame
            frames += 1
            if pos + 10 > len(data):
                break
            packed = data[pos + 9]
            pos += 10
            if packed & 0x80:  # a local colour table
                pos += 3 << ((packed & 7) + 1)
            pos = _skip_sub_blocks(data, pos + 1)  # after the LZW minimum code size
        elif block == 0x21:  # an extension: its label, then its sub-blocks
            pos = _skip_sub_blocks(data, pos + 2)
        else:  # the trailer, or damage that decoding will report
            break
    return max(frames, 1)


def _too_many_frames(frames: int | None, limit: int) -> ImageRejected:
    count = f"has {frames} frames" if frames is not None else f"has more than {limit} frames"
    return ImageRejected(
        f"This animation {count}; the limit is {limit} frames. Shorten it or lower its "
        "frame rate, and upload it again.",
        code="too_many_frames",
    )


def _frame_count(im: PILImage.Image, data: bytes) -> int:
    """The number of frames, refusing more than IMAGE_MAX_FRAMES before any is decoded."""
    limit = settings.IMAGE_MAX_FRAMES
    if im.format == "GIF":
        frames = _gif_frames_up_to(data, limit)
        if frames > limit:
            raise _too_many_frames(None, limit)
        return frames
    # APNG declares its frame count in its header; WebP's is read by libwebp's demuxer.
    frames = getattr(im, "n_frames", 1) or 1
    if frames > limit:
        raise _too_many_frames(frames, limit)
    return frames


def _check_dimensions(im: PILImage.Image, data: bytes) -> int:
    """Refuse, from the header alone, images with too many pixels or frames; return the
    frame count."""
    width, height = im.size
    pixels = width * height
    limit = settings.IMAGE_MAX_PIXELS
    if width < 1 or height < 1:
        raise _corrupt()
    if pixels > limit:
        raise ImageRejected(
            f"This image is {width} × {height} pixels ({_megapixels(pixels)} megapixels); the "
            f"limit is {_megapixels(limit)} megapixels. Resize it and upload it again.",
            code="too_many_pixels",
        )
    frames = _frame_count(im, data)
    # An animation is decoded whole, so all its frames together count against the limit.
    if frames * pixels > limit:
        raise ImageRejected(
            f"This animation is too large: {frames} frames of {width} × {height} pixels make "
            f"{_megapixels(frames * pixels)} megapixels in all; the limit is "
            f"{_megapixels(limit)} megapixels. Shorten it or make it smaller.",
            code="animation_too_large",
        )
    return frames


def _clean(frame: PILImage.Image, keep: tuple[str, ...] = ("transparency",)) -> PILImage.Image:
    frame.info = {key: frame.info[key] for key in keep if key in frame.info}
    return frame


def decode(data: bytes) -> _Decoded:
    """Validate and decode `data`: every refusal is an ImageRejected, never a crash."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", PILImage.DecompressionBombWarning)
        im = _open(data)
        try:
            return _decode_pixels(im, _check_dimensions(im, data))
        except ImageRejected:
            raise
        except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as error:
            raise _bomb(im.size) from error
        except Exception as error:  # truncated or corrupt pixel data
            logger.info("Refused a damaged %s image: %r", im.format, error)
            raise _corrupt() from error
        finally:
            im.close()


def _decode_pixels(im: PILImage.Image, frame_count: int) -> _Decoded:
    fmt = im.format
    im.load()
    icc_profile = im.info.get("icc_profile") or None
    loop = im.info.get("loop", 0)
    if frame_count == 1:
        frames = [ImageOps.exif_transpose(im)]
        durations = []
    else:
        method = _ORIENTATION.get(im.getexif().get(ExifTags.Base.Orientation, 1))
        frames, durations, budget = [], [], settings.IMAGE_MAX_PIXELS
        for frame in ImageSequence.Iterator(im):
            budget -= frame.size[0] * frame.size[1]
            if budget < 0:  # frames larger than the header said
                raise _bomb(frame.size)
            if len(frames) >= settings.IMAGE_MAX_FRAMES:  # more frames than it said
                raise _too_many_frames(None, settings.IMAGE_MAX_FRAMES)
            copy = frame.copy()
            frames.append(copy.transpose(method) if method else copy)
            durations.append(int(frame.info.get("duration", 100) or 100))
    if fmt == "JPEG" and frames[0].mode not in ("L", "RGB"):
        frames, icc_profile = [_to_srgb(frames[0], icc_profile)], None
    return _Decoded(
        format=fmt,
        frames=[_clean(frame) for frame in frames],
        durations=durations,
        loop=loop,
        icc_profile=icc_profile,
    )


def _to_srgb(frame: PILImage.Image, icc_profile: bytes | None) -> PILImage.Image:
    """CMYK (and other exotic JPEG modes) to RGB, through the embedded profile when there is one."""
    if icc_profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            srgb = ImageCms.createProfile("sRGB")
            return ImageCms.profileToProfile(frame, source, srgb, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError):
            pass
    return frame.convert("RGB")


def _encode(decoded: _Decoded) -> bytes:
    """Re-encode in the upload's own format; only the parameters given here are written."""
    out = io.BytesIO()
    first, rest = decoded.frames[0], decoded.frames[1:]
    icc = {"icc_profile": decoded.icc_profile} if decoded.icc_profile else {}
    if decoded.format == "JPEG":
        first.save(out, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True, **icc)
    elif decoded.format == "PNG":
        if rest:
            first.save(
                out,
                "PNG",
                save_all=True,
                append_images=rest,
                duration=decoded.durations,
                loop=decoded.loop,
                **icc,
            )
        else:
            first.save(out, "PNG", optimize=True, **icc)
    elif decoded.format == "GIF":
        animation = {}
        if rest:
            animation = {
                "save_all": True,
                "append_images": rest,
                "duration": decoded.durations,
                "loop": decoded.loop,
                # Frames are whole pictures: clear each before drawing the next.
                "disposal": 2,
            }
        first.save(out, "GIF", optimize=True, **animation)
    else:
        _save_webp(out, decoded.frames, decoded.durations, decoded.loop, decoded.icc_profile)
    return out.getvalue()


def _save_webp(out, frames, durations, loop, icc_profile) -> None:
    frames = [_webp_mode(frame) for frame in frames]
    alpha = any(frame.mode == "RGBA" for frame in frames)
    options = {"quality": WEBP_QUALITY, "method": WEBP_METHOD_WITH_ALPHA if alpha else WEBP_METHOD}
    if icc_profile:
        options["icc_profile"] = icc_profile
    if len(frames) > 1:
        options |= {
            "save_all": True,
            "append_images": frames[1:],
            "duration": durations,
            "loop": loop,
        }
    frames[0].save(out, "WEBP", **options)


_SIXTEEN_BIT = ("I;16", "I;16L", "I;16B", "I;16N", "I")


def _webp_mode(frame: PILImage.Image) -> PILImage.Image:
    if frame.mode in ("RGB", "RGBA"):
        return frame
    if frame.mode in _SIXTEEN_BIT:
        # A 16-bit greyscale PNG: scale to 8 bits (a plain convert clips it to white).
        return frame.convert("I").point(lambda value: value / 257).convert("L").convert("RGB")
    if frame.mode in ("RGBa", "LA", "La", "PA") or frame.has_transparency_data:
        return frame.convert("RGBA")
    return frame.convert("RGB")


def rendition_widths(width: int) -> list[int]:
    """Widths of the renditions of a picture `width` pixels wide: never upscaled, never none."""
    widths = [w for w in sorted(settings.IMAGE_RENDITION_WIDTHS) if w <= width]
    return widths or [width]


def _resized(frame: PILImage.Image, size: tuple[int, int]) -> PILImage.Image:
    if frame.size == size:
        return frame
    # reducing_gap makes big reductions fast with no visible loss.
    return frame.resize(size, PILImage.Resampling.LANCZOS, reducing_gap=3.0)


def _chains(widths: list[int]) -> list[list[int]]:
    """`widths` in groups, widest first, each width to be resized from the one before it
    in its group when that is at least twice as wide, and the first of a group from the
    upload itself. Resizing costs in proportion to the pixels it reads, and from twice the
    size the result is the same to the eye (bench/README.md)."""
    chains: list[list[int]] = []
    for width in sorted(widths, reverse=True):
        sources = [chain for chain in chains if chain[-1] >= 2 * width]
        if sources:
            min(sources, key=lambda chain: chain[-1]).append(width)
        else:
            chains.append([width])
    return chains


def _webp_renditions(decoded: _Decoded, frames, widths: list[int]) -> list[tuple[int, int, bytes]]:
    width, height = decoded.size
    made = []
    for target in widths:
        size = (target, max(1, round(height * target / width)))
        frames = [_resized(frame, size) for frame in frames]
        out = io.BytesIO()
        _save_webp(out, frames, decoded.durations, decoded.loop, decoded.icc_profile)
        made.append((*size, out.getvalue()))
    return made


def webp_rendition_jobs(decoded: _Decoded) -> list[Callable[[], list[tuple[int, int, bytes]]]]:
    """What makes the WebP renditions, (width, height, bytes), a list of them per call."""
    frames = [_webp_mode(frame) for frame in decoded.frames]
    return [
        partial(_webp_renditions, decoded, frames, chain)
        for chain in _chains(rendition_widths(decoded.size[0]))
    ]


def _has_alpha(frame: PILImage.Image) -> bool:
    """True when some pixel of `frame` (RGB or RGBA) is not fully opaque."""
    return frame.mode == "RGBA" and frame.getchannel("A").getextrema()[0] < 255


def _still_renditions(
    first: PILImage.Image, fmt: str, icc: dict, widths: list[int]
) -> list[tuple[int, int, str, bytes]]:
    width, height = first.size
    made = []
    for target in widths:
        size = (target, max(1, round(height * target / width)))
        first = _resized(first, size)
        out = io.BytesIO()
        if fmt == "png":
            first.save(out, "PNG", optimize=True, **icc)
        else:
            first.save(out, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True, **icc)
        made.append((*size, fmt, out.getvalue()))
    return made


EmailJob = Callable[[], list[tuple[int, int, str, bytes]]]


def email_rendition_jobs(decoded: _Decoded) -> list[EmailJob]:
    """What makes the still JPEG/PNG renditions an email shows, (width, height, format,
    bytes), a list of them per call: none for a GIF, whose email edition is the GIF itself."""
    if decoded.format == "GIF":
        return []
    first = _webp_mode(decoded.frames[0])
    fmt = "png" if _has_alpha(first) else "jpeg"
    if fmt == "jpeg":
        first = first.convert("RGB")
    icc = {"icc_profile": decoded.icc_profile} if decoded.icc_profile else {}
    width = first.size[0]
    widths = [w for w in sorted(settings.IMAGE_EMAIL_RENDITION_WIDTHS) if w <= width] or [width]
    return [partial(_still_renditions, first, fmt, icc, chain) for chain in _chains(widths)]


def run_at_once(jobs: list[Callable]) -> list:
    """The results of `jobs`, in order, made in threads: Pillow lets go of the GIL while it
    resizes and encodes, so the stored original and the renditions are made side by side."""
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers <= 1:
        return [job() for job in jobs]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rendition") as pool:
        futures = [pool.submit(job) for job in jobs]
        return [future.result() for future in futures]


EMAIL_EXTENSIONS = {"jpeg": ".jpg", "png": ".png"}


def _enqueue_renditions(image_id: int) -> None:
    from newsletter.content.rendition_tasks import enqueue_renditions

    enqueue_renditions(image_id)


def validate(file) -> None:
    """Raise ImageRejected, with a message for the person uploading, unless `file` is acceptable.

    Reads and decodes the whole file (a truncated file is only found by decoding) and
    leaves it rewound for the next reader.
    """
    decode(_read(file))


def get_or_ingest(
    file,
    *,
    alt_text: str,
    uploaded_by=None,
    caption: str = "",
    credit: str = "",
    credit_url: str = "",
) -> tuple[Image, bool]:
    """Like `ingest`, also saying whether the Image was created (False: the same bytes existed)."""
    data = _read(file)
    digest = hashlib.sha256(data).hexdigest()
    existing = Image.objects.filter(sha256=digest).first()
    if existing is not None:
        return existing, False  # the same bytes passed validation when first uploaded
    if not alt_text or not alt_text.strip():
        raise ImageRejected("Describe the picture in its alternative text.", code="alt_text")
    decoded = decode(data)
    original = _encode(decoded)
    width, height = decoded.size
    fmt = decoded.format
    del decoded

    image = Image(
        alt_text=alt_text.strip(),
        caption=caption,
        credit=credit,
        credit_url=credit_url,
        width=width,
        height=height,
        sha256=digest,
        uploaded_by=uploaded_by,
    )
    storage = image.file.storage
    stored: list[str] = []
    try:
        # The field names it at random (Image.file's upload_to): only the extension counts.
        image.file.save(f"upload{EXTENSIONS[fmt]}", ContentFile(original), save=False)
        stored.append(image.file.name)
        image.width, image.height = width, height
        with transaction.atomic():
            image.save()
            # Its renditions are background work, once the Image is there for a worker to read.
            transaction.on_commit(partial(_enqueue_renditions, image.pk), robust=True)
    except IntegrityError:
        # The same bytes were uploaded at the same moment by someone else: use theirs.
        remove_stored(storage, stored)
        return Image.objects.get(sha256=digest), False
    except STORAGE_ERRORS as error:  # the disk is full or read-only, the bucket refuses
        # or does not answer: nothing is kept.
        logger.error("Could not store an upload: %r", error, exc_info=True)
        remove_stored(storage, stored)
        raise _storage_failed() from error
    except BaseException:
        remove_stored(storage, stored)
        raise
    return image, True


def ingest(
    file,
    *,
    alt_text: str,
    uploaded_by=None,
    caption: str = "",
    credit: str = "",
    credit_url: str = "",
) -> Image:
    """Validate, normalise and store an upload; return its Image, whose renditions a worker
    makes once the upload commits (newsletter.content.renditions).

    `file` is a Django UploadedFile or File, or any binary file-like. Uploading bytes that
    were uploaded before returns the existing Image (its text fields unchanged) and
    stores nothing. Raises ImageRejected with a message fit for the person uploading.
    """
    image, _created = get_or_ingest(
        file,
        alt_text=alt_text,
        uploaded_by=uploaded_by,
        caption=caption,
        credit=credit,
        credit_url=credit_url,
    )
    return image


def delete_image(image: Image) -> None:
    """Delete `image` and, once the deletion is committed, its file and renditions.

    Raises django.db.models.ProtectedError, touching no file, while a revision or a
    working copy still shows the picture. (The files go with any deletion of an Image:
    see newsletter.models.images.)
    """
    with transaction.atomic():
        image.delete()


def alt_text_from_filename(name: str) -> str:
    """A readable starting alt text from a file name: "team-photo_2024.jpg" -> "Team photo 2024".

    Only letters, digits, spaces and a little punctuation survive, so the result is safe
    inside markdown's ![alt](url).
    """
    base = PurePath((name or "").replace("\\", "/")).name
    stem = base.rpartition(".")[0] if "." in base else base
    words = re.sub(r"[^\w,'&]+|_+", " ", stem).split()
    text = " ".join(words)[:300].strip()
    if not any(char.isalnum() for char in text):
        return FALLBACK_ALT_TEXT
    return text[0].upper() + text[1:]
