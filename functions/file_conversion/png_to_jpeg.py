"""PNG -> JPEG conversion (quality 90; transparency flattened over white).

Output: ``jpeg/<input key with .jpg extension>``. Non-PNG input is rejected
("not a PNG image (detected JPEG)").
"""

from __future__ import annotations

from typing import Any

from fileconv import images
from fileconv.config import Settings
from fileconv.conversion import Conversion, ConvertedFile, SourceObject
from fileconv.runner import run_batch


def png_to_jpeg(source: SourceObject, settings: Settings) -> ConvertedFile:
    with images.open_image(source.data, settings.max_image_pixels, require_format="PNG") as img:
        return images.encoded(images.flatten_to_rgb(img), "JPEG", source.key)


CONVERSION = Conversion(name="png-to-jpeg", output_prefix="jpeg", convert=png_to_jpeg)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run_batch(event, context, CONVERSION)
