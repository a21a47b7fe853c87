"""Thumbnail conversion: fit within THUMBNAIL_SIZE x THUMBNAIL_SIZE (default 300), aspect ratio kept.

Output: ``thumbnails/<input key>`` in the input's format family (PNG stays PNG,
JPEG stays JPEG, anything else becomes PNG; the key's extension follows).
"""

from __future__ import annotations

from typing import Any

from fileconv.conversion import Conversion
from fileconv.images import make_thumbnail
from fileconv.runner import run_batch

CONVERSION = Conversion(name="thumbnail", output_prefix="thumbnails", convert=make_thumbnail)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run_batch(event, context, CONVERSION)
