"""Settings read from the environment at call time (never at import)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from fileconv.errors import ConfigurationError

DEFAULT_MAX_INPUT_BYTES = 10 * 1024 * 1024  # 10 MiB
# Pillow still enforces its own limit (Image.MAX_IMAGE_PIXELS, ~89.5 MP; error above
# twice that), so values above it are effectively capped there.
DEFAULT_MAX_IMAGE_PIXELS = 40_000_000  # 40 megapixels
DEFAULT_THUMBNAIL_SIZE = 300


@dataclass(frozen=True)
class Settings:
    output_bucket: str
    max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS
    thumbnail_size: int = DEFAULT_THUMBNAIL_SIZE

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        output_bucket = env.get("OUTPUT_BUCKET", "").strip()
        if not output_bucket:
            raise ConfigurationError(
                "OUTPUT_BUCKET environment variable is required (name of the bucket converted files are written to)"
            )
        return cls(
            output_bucket=output_bucket,
            max_input_bytes=_positive_int(env, "MAX_INPUT_BYTES", DEFAULT_MAX_INPUT_BYTES),
            max_image_pixels=_positive_int(env, "MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS),
            thumbnail_size=_positive_int(env, "THUMBNAIL_SIZE", DEFAULT_THUMBNAIL_SIZE),
        )


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a positive integer, got {raw!r}") from None
    if value <= 0:
        raise ConfigurationError(f"{name} must be a positive integer, got {raw!r}")
    return value
