"""Deterministic test files, made in memory: real images and hostile ones.

Used by the tests and the demos; nothing here touches AWS.
"""

from __future__ import annotations

import io
import struct
import zlib
from functools import lru_cache

from PIL import Image

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def make_image(width: int, height: int, image_format: str = "PNG", *, alpha: bool = False) -> bytes:
    """A colourful gradient (red left->right, green top->bottom, blue radial).

    With ``alpha`` the image is RGBA, fully transparent on the left edge and
    opaque on the right (``image_format`` must support alpha).
    """
    img = gradient(width, height, alpha=alpha)
    buffer = io.BytesIO()
    img.save(buffer, format=image_format)
    return buffer.getvalue()


def make_png(width: int, height: int, *, alpha: bool = False) -> bytes:
    return make_image(width, height, "PNG", alpha=alpha)


def make_photo_like_png(width: int, height: int) -> bytes:
    """A gradient under grain: compresses like a photograph (≈2 MB per megapixel), not like a flat
    gradient (≈0.07 MB per megapixel)."""
    grain = Image.effect_noise((width, height), 40)
    image = Image.blend(gradient(width, height), Image.merge("RGB", (grain, grain, grain)), 0.3)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def make_jpeg(width: int, height: int) -> bytes:
    return make_image(width, height, "JPEG")


def gradient(width: int, height: int, *, alpha: bool = False) -> Image.Image:
    left_to_right = Image.linear_gradient("L").rotate(90).resize((width, height))
    top_to_bottom = Image.linear_gradient("L").resize((width, height))
    radial = Image.radial_gradient("L").resize((width, height))
    bands = (left_to_right, top_to_bottom, radial)
    if alpha:
        return Image.merge("RGBA", (*bands, left_to_right))
    return Image.merge("RGB", bands)


def truncated_png(width: int = 256, height: int = 256) -> bytes:
    """A PNG cut in the middle of its pixel data: the header parses, decoding fails."""
    whole = make_png(width, height)
    return whole[: len(whole) // 2]


@lru_cache(maxsize=4)
def decompression_bomb_png(width: int = 20_000, height: int = 20_000) -> bytes:
    """A valid, all-black 1-bit PNG of ``width`` x ``height``: tiny on disk, huge decoded.

    Written chunk by chunk with zlib (no Pillow image is ever allocated);
    20000x20000 is 400 megapixels in about 50 KB.
    """
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # bit depth 1, greyscale
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed pixels
    compressor = zlib.compressobj(9)
    pixel_data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return _PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixel_data) + _chunk(b"IEND", b"")


def not_an_image() -> bytes:
    return b"Quarterly report\n================\n\nThis is plain text, not an image.\n" * 4


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
