"""capplan: plan cloud capacity and capital spending as a linear / mixed-integer program."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("capplan")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["__version__"]
