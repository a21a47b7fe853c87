"""The moto the hooks were written for: they use its private API, so another version is refused."""

from __future__ import annotations

from infra.exceptions import ToolkitError

PINNED_MOTO = "5.2.5"  # pyproject.toml pins the same


def check_moto_version(installed: str | None = None) -> None:
    """A clear error, before any hook, when the installed moto is not the one the hooks were written for."""
    if installed is None:
        import moto

        installed = moto.__version__
    if installed != PINNED_MOTO:
        raise ToolkitError(f"moto {installed} is installed, but the toolkit's compute plane hooks moto "
                           f"{PINNED_MOTO}'s private API: pip install 'moto[server]=={PINNED_MOTO}' "
                           f"(or pip install -e . in this project)")
