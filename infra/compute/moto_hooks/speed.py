"""Per-request work moto and botocore repeat with the same answer, kept instead (handlers' boto3
calls reach moto in this process, so botocore's own per-request work shows)."""

from __future__ import annotations

import string
from functools import lru_cache
from typing import Any

from infra.compute.moto_hooks import patches


def install() -> None:
    if not patches.claim(__name__):
        return
    import botocore.useragent as useragent
    import moto.core.responses as responses

    # moto lists a response class's methods (inspect.getmembers) on every request; the list only
    # changes when the class does, so it is kept per class (≈0.1 ms a request).
    patches.patch(responses, "method_names_from_class", lru_cache(maxsize=None)(responses.method_names_from_class))

    # Rebuilding the User-Agent sanitizes the same few strings character by character on every
    # call (≈0.15 ms). The function is pure; its answers are kept ...
    patches.patch(useragent, "sanitize_user_agent_string_component",
                  lru_cache(maxsize=4096)(useragent.sanitize_user_agent_string_component))
    # ... and each of its components (immutable tuples) is turned into text twice per call. The
    # feature-metadata component carries a new size config object on every call (compared by
    # identity), so the text is kept by the config's values, or every call would add an entry.
    component_text = useragent.UserAgentComponent.to_string

    @lru_cache(maxsize=4096)
    def text(prefix: str, name: str, value: str | None, size: tuple[int, str] | None) -> str:
        config = useragent.UserAgentComponentSizeConfig(*size) if size else None
        return str(component_text(useragent.UserAgentComponent(prefix, name, value, config)))

    def to_string(self: Any) -> str:
        config = self.size_config
        return text(self.prefix, self.name, self.value,
                    None if config is None else (config.max_size_in_bytes, config.delimiter))

    to_string.cache_info = text.cache_info  # type: ignore[attr-defined]
    to_string.__wrapped__ = component_text  # type: ignore[attr-defined]
    patches.patch(useragent.UserAgentComponent, "to_string", to_string)
    _hook_random_strings()
    _hook_model_loader()


def _hook_random_strings() -> None:
    """moto stamps every answer with a 52-character request id drawn one random.choice at a time
    (≈15 µs a call); one draw of random bytes from the same (seedable) generator, mapped onto the
    same alphabet, takes ≈2 µs."""
    from moto.moto_api._internal.moto_random import MotoRandom

    tables = {pool: bytes((pool * (256 // len(pool) + 1))[:256], "ascii")
              for pool in (string.ascii_letters + string.digits, string.ascii_letters)}

    def get_random_string(self: Any, length: int = 20, include_digits: bool = True, lower_case: bool = False) -> str:
        pool = string.ascii_letters + (string.digits if include_digits else "")
        drawn = self.randbytes(length).translate(tables[pool]).decode("ascii")
        return drawn.lower() if lower_case else drawn

    patches.patch(MotoRandom, "get_random_string", get_random_string)


def _hook_model_loader() -> None:
    """moto reads a service's botocore model through a new loader each time, and each new loader
    lists every service folder botocore and moto ship (~30 ms) before reading the model: one
    loader, kept, lists them once."""
    import moto.core.utils as utils

    patches.patch(utils, "create_loader", lru_cache(maxsize=1)(utils.create_loader))
