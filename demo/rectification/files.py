"""Evidence files of the demo, made in memory: small, valid PNG photos and PDF scans
(drawn with Pillow), so the repository holds no binaries and the attachment checks
(portal.attachments.validators) accept them as real uploads."""

from __future__ import annotations

import io
from functools import cache

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

# Soft colours for the "photos", one per variant.
COLOURS = [(196, 30, 58), (214, 170, 60), (70, 120, 170), (90, 150, 90), (150, 110, 80)]


@cache
def _png(variant: int) -> bytes:
    """A 96 × 64 picture: a coloured wall with a lighter panel (a sign, a flag)."""
    colour = COLOURS[variant % len(COLOURS)]
    img = Image.new("RGB", (96, 64), colour)
    draw = ImageDraw.Draw(img)
    draw.rectangle((12, 10, 84, 46), fill=tuple(min(c + 60, 255) for c in colour))
    draw.rectangle((0, 52, 96, 64), fill=(90, 90, 90))
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


@cache
def _pdf() -> bytes:
    """A one-page PDF (an A4-shaped white page with a title bar), as a scan would be."""
    img = Image.new("RGB", (60, 85), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.rectangle((8, 8, 52, 14), fill=(180, 30, 40))
    for y in range(22, 78, 6):
        draw.line((8, y, 52, y), fill=(150, 150, 150))
    out = io.BytesIO()
    img.save(out, format="PDF", resolution=10.0)
    return out.getvalue()


def photo(name: str, variant: int = 0) -> ContentFile:
    """A photo upload named `name` (…jpg or …png, stored as the PNG it is)."""
    return ContentFile(_png(variant), name=name)


def document(name: str) -> ContentFile:
    """A scanned document upload named `name` (…pdf)."""
    return ContentFile(_pdf(), name=name)
