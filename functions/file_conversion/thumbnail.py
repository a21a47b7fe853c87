"""Thumbnail conversion: fit within THUMBNAIL_SIZE x THUMBNAIL_SIZE (default 300), aspect ratio kept.

Output: ``thumbnails/<input key>`` in the input's format family (PNG stays PNG,
JPEG stays JPEG, anything else becomes PNG; the key's extension follows).
"""

from __future__ import annotations

from typing import Any

from fileconv import images
from fileconv.config import Settings
from fileconv.conversion import Conversion, ConvertedFile, SourceObject
from fileconv.runner import run_batch


def make_thumbnail(source: SourceObject, settings: Settings) -> ConvertedFile:
    with images.open_image(source.data, settings.max_image_pixels) as img:
        output_format = images.thumbnail_format(img.format)
        return images.encoded(images.thumbnail(img, settings.thumbnail_size), output_format, source.key)


CONVERSION = Conversion(name="thumbnail", output_prefix="thumbnails", convert=make_thumbnail)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run_batch(event, context, CONVERSION)
