"""capplan: plan cloud capacity and capital spending as a linear / mixed-integer program.

The steps, in memory: :mod:`capplan.library` (load, edit, build, solve, analyse, write).
"""

__version__ = "0.2.0"  # pyproject.toml reads it from here

__all__ = ["__version__"]
