"""Real image files for tests, made with Pillow (and one hand-written PNG bomb)."""

import io
import random
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def noise(size, mode="RGB", seed=0) -> Image.Image:
    """A picture that does not compress away, so truncating it leaves pixels missing."""
    rng = random.Random(seed)
    bands = len(mode)
    data = bytes(rng.getrandbits(8) for _ in range(size[0] * size[1] * bands))
    return Image.frombytes(mode, size, data)


def gradient(size, mode="RGB") -> Image.Image:
    """A smooth picture: cheap to make at any size, small once compressed."""
    width, height = size
    horizontal = Image.linear_gradient("L").resize((width, height))
    vertical = horizontal.transpose(Image.Transpose.ROTATE_90).resize((width, height))
    image = Image.merge("RGB", (horizontal, vertical, horizontal))
    return image.convert(mode)


def image_bytes(fmt="PNG", size=(64, 48), mode="RGB", image=None, **save) -> bytes:
    image = image if image is not None else gradient(size, mode)
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def upload(data: bytes, name="picture.png", content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def animated_gif(frames=3, size=(60, 40)) -> bytes:
    colours = ["red", "green", "blue", "yellow", "purple"]
    pictures = [Image.new("RGB", size, colours[i % len(colours)]) for i in range(frames)]
    out = io.BytesIO()
    pictures[0].save(out, "GIF", save_all=True, append_images=pictures[1:], duration=120, loop=0)
    return out.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A genuine 1-bit PNG of `width` x `height` black pixels, a few kilobytes long.

    Written chunk by chunk, streaming the compressed rows, so making it needs no more
    memory than one row: Pillow would need the whole picture in memory to save one.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" + bytes((width + 7) // 8)  # filter byte, then the packed pixels
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", b"".join(parts))
        + chunk(b"IEND", b"")
    )


def gif_bomb(frames: int) -> bytes:
    """A genuine animated GIF of `frames` one-pixel frames: 23 bytes a frame, so 100,000
    frames make 2.3 MB. Written by hand, because Pillow takes minutes to save so many."""
    screen = struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    loop = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    frame = (
        b"\x21\xf9\x04\x00\x02\x00\x00\x00"  # graphic control: 20 ms
        + b"\x2c"
        + struct.pack("<HHHHB", 0, 0, 1, 1, 0)  # at (0, 0), 1 x 1, no local palette
        + b"\x02\x02\x44\x01\x00"  # LZW: clear, pixel 0, end
    )
    return b"GIF89a" + screen + loop + frame * frames + b"\x3b"


def animated_png(frames=3, size=(40, 30)) -> bytes:
    colours = ["red", "green", "blue", "yellow", "purple"]
    pictures = [Image.new("RGB", size, colours[i % len(colours)]) for i in range(frames)]
    out = io.BytesIO()
    pictures[0].save(out, "PNG", save_all=True, append_images=pictures[1:], duration=100)
    return out.getvalue()


def with_renditions(image):
    """`image` once its renditions are made, as a worker makes them after the upload."""
    from newsletter.content import renditions

    renditions.make([image.pk])
    image.refresh_from_db()
    return image
