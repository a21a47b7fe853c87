"""Size limits, checked before any byte is downloaded or any pixel decoded."""

from __future__ import annotations

from fileconv.errors import DecompressionBomb, InputTooLarge


def check_input_size(size: int | None, max_bytes: int) -> None:
    """Reject objects over MAX_INPUT_BYTES (``None`` = size not known yet)."""
    if size is not None and size > max_bytes:
        raise InputTooLarge(f"file too large: {size} bytes exceeds MAX_INPUT_BYTES={max_bytes}", size=size)


def check_pixels(width: int, height: int, max_pixels: int) -> None:
    """Reject images whose declared dimensions exceed MAX_IMAGE_PIXELS."""
    pixels = width * height
    if pixels > max_pixels:
        raise DecompressionBomb(
            f"decompression bomb: {width}x{height} = {pixels} pixels exceeds MAX_IMAGE_PIXELS={max_pixels}"
        )
