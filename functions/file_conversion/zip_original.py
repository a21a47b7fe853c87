"""ZIP conversion: the original object, any type, deflated under its base file name.

Output: ``zip/<input key>.zip``.
"""

from __future__ import annotations

from typing import Any

from fileconv import archive, keys
from fileconv.config import Settings
from fileconv.conversion import Conversion, ConvertedFile, SourceObject
from fileconv.runner import run_batch


def zip_original(source: SourceObject, settings: Settings) -> ConvertedFile:
    body = archive.single_file_zip(keys.base_name(source.key), source.data, source.last_modified)
    return ConvertedFile(body=body, content_type="application/zip", relative_key=f"{source.key}.zip")


CONVERSION = Conversion(name="zip", output_prefix="zip", convert=zip_original)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run_batch(event, context, CONVERSION)
