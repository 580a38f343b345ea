"""Pictures for the demo issue, drawn with Pillow.

Every drawing is deterministic (fixed seeds, no timestamps, no fonts), so the same bytes
come out on every run and `newsletter.images.ingest` finds the Image it made last time.
"""

import functools
import io
import math
import random

from PIL import Image, ImageDraw, ImageFilter

INK = (24, 28, 45)
PAPER = (248, 246, 240)
PALETTE = [(66, 99, 235), (236, 92, 92), (46, 170, 130), (245, 176, 65), (150, 92, 210)]


def _png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def _gradient(size: tuple[int, int], start: tuple, end: tuple, *, across=False) -> Image.Image:
    """Fade from `start` to `end`, top to bottom (or left to right when `across`)."""
    mask = Image.linear_gradient("L")
    if across:
        mask = mask.transpose(Image.Transpose.ROTATE_90).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    mask = mask.resize(size)
    return Image.composite(Image.new("RGB", size, end), Image.new("RGB", size, start), mask)


def hero() -> bytes:
    """A 1600×900 banner: a dusk gradient, a lattice of nodes and soft glowing circles."""
    width, height = 1600, 900
    rng = random.Random(1)
    picture = Image.blend(
        _gradient((width, height), (20, 24, 64), (92, 48, 140)),
        _gradient((width, height), (12, 40, 90), (60, 20, 90), across=True),
        0.5,
    )
    glow = Image.new("RGB", (width, height), (0, 0, 0))
    draw = ImageDraw.Draw(glow)
    for _ in range(9):
        x, y, r = rng.randint(0, width), rng.randint(0, height), rng.randint(80, 260)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.choice(PALETTE))
    glow = glow.filter(ImageFilter.GaussianBlur(90))
    picture = Image.blend(picture, glow, 0.35)

    draw = ImageDraw.Draw(picture)
    layers = [4, 7, 9, 7, 4]
    nodes = []
    for i, count in enumerate(layers):
        x = 260 + i * 270
        column = [(x, height / 2 + (j - (count - 1) / 2) * 82) for j in range(count)]
        nodes.append(column)
    for left, right in zip(nodes, nodes[1:], strict=False):
        for a in left:
            for b in right:
                if rng.random() < 0.55:
                    draw.line((a, b), fill=(190, 200, 255), width=1)
    for column in nodes:
        for x, y in column:
            colour = rng.choice(PALETTE)
            draw.ellipse((x - 17, y - 17, x + 17, y + 17), fill=colour, outline=PAPER, width=3)
    return _png(picture)


def loss_curves() -> bytes:
    """A 1200×700 chart: training and validation loss falling, on a light grid."""
    width, height = 1200, 700
    rng = random.Random(2)
    picture = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(picture)
    left, top, right, bottom = 90, 60, width - 60, height - 80
    for i in range(6):
        y = top + i * (bottom - top) / 5
        draw.line((left, y, right, y), fill=(220, 218, 210), width=1)
    for i in range(9):
        x = left + i * (right - left) / 8
        draw.line((x, top, x, bottom), fill=(228, 226, 218), width=1)
    draw.line((left, top, left, bottom), fill=INK, width=3)
    draw.line((left, bottom, right, bottom), fill=INK, width=3)

    def curve(floor: float, noise: float, colour: tuple) -> None:
        points = []
        for step in range(0, 241):
            t = step / 240
            loss = floor + (1 - floor) * math.exp(-4.2 * t) + rng.uniform(-noise, noise)
            points.append((left + t * (right - left), bottom - loss * (bottom - top) * 0.92))
        draw.line(points, fill=colour, width=4, joint="curve")

    curve(0.12, 0.025, PALETTE[0])
    curve(0.22, 0.012, PALETTE[1])
    for i, colour in enumerate(PALETTE[:2]):
        y = top + 20 + i * 34
        draw.rounded_rectangle((right - 190, y, right - 150, y + 14), radius=4, fill=colour)
        draw.rectangle((right - 135, y + 4, right - 40 - i * 20, y + 10), fill=(180, 178, 170))
    return _png(picture)


def attention_map() -> bytes:
    """A 1000×1000 heat map: a 24×24 attention matrix with a strong diagonal."""
    size, cells = 1000, 24
    rng = random.Random(3)
    picture = Image.new("RGB", (size, size), PAPER)
    draw = ImageDraw.Draw(picture)
    margin = 40
    cell = (size - 2 * margin) / cells
    for row in range(cells):
        for col in range(row + 1):  # causal: a token attends to itself and earlier ones
            weight = math.exp(-abs(row - col) / 2.5) + 0.35 * rng.random() ** 3
            if col == 0:
                weight += 0.5  # the first token soaks up attention, as it often does
            weight = min(weight, 1.0)
            colour = tuple(
                int(p + (q - p) * weight) for p, q in zip(PAPER, (40, 60, 190), strict=True)
            )
            x, y = margin + col * cell, margin + row * cell
            draw.rectangle((x + 1, y + 1, x + cell - 1, y + cell - 1), fill=colour)
    return _png(picture)


def diffusion_strip() -> bytes:
    """A 1500×420 strip: five frames going from pure noise to a clean shape."""
    frames, frame, gap = 5, 260, 30
    width, height = frames * frame + (frames + 1) * gap, 420
    rng = random.Random(4)
    picture = Image.new("RGB", (width, height), PAPER)
    clean = Image.new("RGB", (frame, frame), (235, 238, 250))
    draw = ImageDraw.Draw(clean)
    draw.ellipse((40, 40, 220, 220), fill=PALETTE[3])
    draw.polygon([(130, 60), (200, 190), (60, 190)], fill=PALETTE[0])
    noise = Image.new("RGB", (frame, frame))
    noise.putdata(
        [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(frame**2)]
    )
    for i in range(frames):
        t = i / (frames - 1)
        step = Image.blend(noise, clean, t)
        x = gap + i * (frame + gap)
        picture.paste(step, (x, 60))
        if i < frames - 1:
            ax, ay = x + frame + 4, 60 + frame // 2
            ImageDraw.Draw(picture).polygon(
                [(ax, ay - 9), (ax + gap - 8, ay), (ax, ay + 9)], fill=INK
            )
    bar = ImageDraw.Draw(picture)
    bar.rounded_rectangle((gap, 350, width - gap, 370), radius=10, fill=(225, 222, 214))
    bar.rounded_rectangle((gap, 350, width // 2, 370), radius=10, fill=PALETTE[2])
    return _png(picture)


def low_rank() -> bytes:
    """A 1400×700 diagram: a big frozen weight matrix W plus the product of B and A."""
    width, height = 1400, 700
    rng = random.Random(5)
    picture = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(picture)

    def matrix(x, y, cols, rows, cell, colour, jitter):
        for r in range(rows):
            for c in range(cols):
                shade = tuple(max(0, min(255, v + rng.randint(-jitter, jitter))) for v in colour)
                draw.rectangle(
                    (x + c * cell, y + r * cell, x + (c + 1) * cell - 2, y + (r + 1) * cell - 2),
                    fill=shade,
                )

    matrix(80, 110, 16, 16, 30, (150, 156, 170), 18)  # W, frozen
    draw.rectangle((640, 330, 700, 342), fill=INK)  # the plus sign
    draw.rectangle((664, 306, 676, 366), fill=INK)
    matrix(770, 110, 2, 16, 30, PALETTE[1], 30)  # B: d × r
    draw.ellipse((862, 330, 878, 346), fill=INK)  # times
    matrix(910, 290, 16, 2, 26, PALETTE[2], 30)  # A: r × k
    return _png(picture)


DRAWINGS = {
    "hero": hero,
    "loss-curves": loss_curves,
    "attention-map": attention_map,
    "diffusion-strip": diffusion_strip,
    "low-rank": low_rank,
}


@functools.cache
def draw(name: str) -> bytes:
    """The PNG bytes of the named demo picture (drawn once per process)."""
    return DRAWINGS[name]()
