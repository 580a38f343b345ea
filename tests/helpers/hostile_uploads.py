"""A corpus of hostile and awkward uploads, made with Pillow and plain bytes.

Each vector says what the image pipeline must do with it: refuse it with a message
(`refused`, a phrase of that message) or store a safe re-encoding (`stored`, the format it
must be stored in). `secrets` are byte strings no stored file (original or rendition) may
keep: scripts, archives, location.
"""

import io
from dataclasses import dataclass, field
from functools import cache

from PIL import ExifTags, ImageCms
from PIL import Image as PILImage
from PIL.PngImagePlugin import PngInfo

from tests.helpers.images import gif_bomb, gradient, noise, png_bomb

SCRIPT = b"<script>alert(document.domain)</script>"
HOME = "CreatorHome-51.5N"


@dataclass(frozen=True)
class Vector:
    name: str
    filename: str
    make: object  # () -> bytes
    refused: str = ""  # a phrase of the message the uploader reads
    stored: str = ""  # the format the re-encoding is stored in
    secrets: tuple[bytes, ...] = ()
    checks: tuple = field(default_factory=tuple)  # (picture: PIL image) -> None, on the original
    rendition_checks: tuple = field(default_factory=tuple)  # the same, on each rendition

    @property
    def outcome(self) -> str:
        return f"refused: {self.refused}" if self.refused else f"stored as {self.stored}"


def _save(image, fmt, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _gps_exif() -> bytes:
    exif = PILImage.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.Base.ImageDescription] = HOME
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 0.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (0.0, 7.0, 0.0)
    return exif.tobytes()


def _photo(size=(800, 600)):
    return gradient(size)


def svg_with_script() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" '
        b'height="10" onload="alert(1)">' + SCRIPT + b'<rect width="10" height="10"/></svg>'
    )


def html_page() -> bytes:
    return b"<!doctype html><html><body>" + SCRIPT + b"</body></html>"


def gif_js_polyglot() -> bytes:
    """GIF89a/*…*/=alert(1): a GIF whose width bytes open a JavaScript comment, a script
    after the trailer closing it; both a picture and a script."""
    gif = _save(PILImage.new("P", (0x2A2F, 4)), "GIF")
    return gif[:6] + b"/*" + gif[8:] + b"*/=alert(document.domain);" + SCRIPT


def png_with_zip() -> bytes:
    zip_local_header = b"PK\x03\x04\x14\x00\x00\x00\x00\x00" + b"\x00" * 16 + b"evil.jsp"
    return _save(_photo((300, 200)), "PNG") + zip_local_header + SCRIPT + b"PK\x05\x06" + bytes(18)


def png_with_html() -> bytes:
    return _save(_photo((300, 200)), "PNG") + html_page()


def jpeg_with_html() -> bytes:
    return _save(_photo((300, 200)), "JPEG") + html_page()


def truncated_jpeg() -> bytes:
    data = _save(noise((300, 200)), "JPEG", quality=95)
    return data[: len(data) // 2]


def truncated_png() -> bytes:
    data = _save(noise((300, 200)), "PNG")
    return data[: len(data) // 2]


def hundred_megapixels() -> bytes:
    return png_bomb(10_000, 10_000)  # 100 megapixels, a few kilobytes of PNG


def cmyk_jpeg() -> bytes:
    return _save(PILImage.new("CMYK", (400, 300), (0, 200, 200, 0)), "JPEG")


def animated_gif(frames: int, size=(60, 40)) -> bytes:
    colours = ["red", "green", "blue", "yellow", "purple"]
    pictures = [PILImage.new("RGB", size, colours[i % len(colours)]) for i in range(frames)]
    return _save(pictures[0], "GIF", save_all=True, append_images=pictures[1:], duration=40)


def jpeg_with_gps() -> bytes:
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>' + HOME.encode() + b"</rdf:RDF>"
    return _save(_photo(), "JPEG", exif=_gps_exif(), xmp=xmp + b"</x:xmpmeta>", comment=b"home")


def png_with_gps() -> bytes:
    text = PngInfo()
    text.add_text("Location", HOME)
    return _save(_photo(), "PNG", exif=_gps_exif(), pnginfo=text)


def webp_with_gps() -> bytes:
    return _save(_photo(), "WEBP", exif=_gps_exif())


@cache
def _profile() -> bytes:
    """One sRGB profile for the whole run: each one made carries its creation time."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def jpeg_with_icc() -> bytes:
    return _save(_photo(), "JPEG", icc_profile=_profile(), exif=_gps_exif())


def png_16_bit() -> bytes:
    ramp = PILImage.linear_gradient("L").resize((640, 256)).convert("I")
    return _save(ramp.point(lambda value: value * 257).convert("I;16"), "PNG")


def palette_with_transparency() -> bytes:
    picture = PILImage.new("P", (120, 80), 0)
    picture.putpalette([255, 255, 255, 200, 30, 30] + [0, 0, 0] * 254)
    picture.paste(1, (20, 20, 100, 60))
    return _save(picture, "PNG", transparency=0)


def bmp() -> bytes:
    return _save(_photo((40, 30)), "BMP")


def _icc_kept(picture):
    assert picture.info.get("icc_profile") == _profile()


def _rgb(picture):
    assert picture.mode == "RGB"


def _transparent(picture):
    assert picture.mode == "P" and "transparency" in picture.info
    assert picture.convert("RGBA").getpixel((0, 0))[3] == 0


def _frames(count):
    def check(picture):
        assert getattr(picture, "n_frames", 1) == count

    return check


def _sixteen_bit(picture):
    assert picture.mode.startswith("I")


def _still_a_ramp(picture):
    """The ramp from black to white survived: not clipped to white when made 8-bit."""
    darkest, lightest = picture.convert("L").getextrema()
    assert darkest < 32 and lightest > 224


DAMAGED = "damaged or incomplete"
NOT_ONE = "not one of those, whatever its name says"
BOMB = "decompression bomb"

CORPUS = [
    Vector("SVG with script", "logo.svg", svg_with_script, refused="SVG images are not accepted"),
    Vector(
        "SVG named .png", "logo.png", svg_with_script, refused="SVG images are not accepted"
    ),
    Vector("HTML named .png", "photo.png", html_page, refused=NOT_ONE),
    Vector(
        "GIF+JS polyglot",
        "anim.gif",
        gif_js_polyglot,
        stored="GIF",
        secrets=(b"alert(", SCRIPT),
    ),
    Vector(
        "PNG + appended ZIP",
        "chart.png",
        png_with_zip,
        stored="PNG",
        secrets=(b"PK\x03\x04", b"PK\x05\x06", SCRIPT),
    ),
    Vector("PNG + appended HTML", "chart.png", png_with_html, stored="PNG", secrets=(SCRIPT,)),
    Vector("JPEG + appended HTML", "photo.jpg", jpeg_with_html, stored="JPEG", secrets=(SCRIPT,)),
    Vector("truncated JPEG", "photo.jpg", truncated_jpeg, refused=DAMAGED),
    Vector("truncated PNG", "chart.png", truncated_png, refused=DAMAGED),
    Vector("PNG decompression bomb (900 MP)", "bomb.png", lambda: png_bomb(30_000, 30_000),
           refused=BOMB),
    Vector("100-megapixel PNG", "poster.png", hundred_megapixels, refused=BOMB),
    Vector("GIF of 1,001 frames (over the limit)", "many.gif", lambda: gif_bomb(1001),
           refused="the limit is 1000 frames"),
    Vector("GIF of 100,000 frames", "bomb.gif", lambda: gif_bomb(100_000),
           refused="the limit is 1000 frames"),
    Vector("animated GIF, 120 frames (within)", "anim.gif", lambda: animated_gif(120),
           stored="GIF", checks=(_frames(120),)),
    Vector("CMYK JPEG", "print.jpg", cmyk_jpeg, stored="JPEG", checks=(_rgb,)),
    Vector("JPEG with EXIF GPS and XMP", "home.jpg", jpeg_with_gps, stored="JPEG",
           secrets=(b"SecretCam", HOME.encode(), b"Exif\x00\x00")),
    Vector("PNG with eXIf GPS and text", "home.png", png_with_gps, stored="PNG",
           secrets=(b"SecretCam", HOME.encode(), b"eXIf")),
    Vector("WebP with EXIF GPS", "home.webp", webp_with_gps, stored="WEBP",
           secrets=(b"SecretCam", HOME.encode(), b"EXIF")),
    Vector("JPEG with ICC profile (and GPS)", "wide.jpg", jpeg_with_icc, stored="JPEG",
           secrets=(b"SecretCam", HOME.encode()), checks=(_icc_kept,)),
    Vector("16-bit greyscale PNG", "scan.png", png_16_bit, stored="PNG",
           checks=(_sixteen_bit, _still_a_ramp), rendition_checks=(_still_a_ramp,)),
    Vector("palette PNG with transparency", "icon.png", palette_with_transparency,
           stored="PNG", checks=(_transparent,)),
    Vector("zero-byte file", "empty.png", lambda: b"", refused="file is empty"),
    Vector("PNG named .jpg", "photo.jpg", lambda: _save(_photo((300, 200)), "PNG"),
           stored="PNG"),
    Vector("JPEG named .gif", "anim.gif", lambda: _save(_photo((300, 200)), "JPEG"),
           stored="JPEG"),
    Vector("BMP named .png", "scan.png", bmp, refused=NOT_ONE),
]  # fmt: skip
