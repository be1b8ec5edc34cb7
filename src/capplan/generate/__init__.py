"""Synthetic model folders of any size from a seed: ``model.yaml`` plus ``inputs/``.

The folder has exactly the layout and table formats of ``models/base.yaml`` with
``inputs/`` (a model file whose ``inputs.dir`` is ``inputs``), so every capplan command
reads it.  The same :class:`Spec` gives byte-identical files: all randomness comes from
one ``numpy.random.default_rng(seed)`` drawn in a fixed order, numbers are rounded to a
few significant digits before they are written, and nothing depends on the clock, the
machine or the output path.  Every model is feasible by construction: each required
campaign has a witness plan (see :mod:`capplan.generate.witness`).

Modules, in the order the data flows:

- :mod:`~capplan.generate.spec`: :class:`Spec` (what to generate), its limits, period labels;
- :mod:`~capplan.generate.text`: rounding and CSV text;
- :mod:`~capplan.generate.tables`: one function per input table (zones and exchange rates,
  parts, regions, supply, eligibility, demand);
- :mod:`~capplan.generate.model_file`: the budget, ``model.yaml`` and ``policy.yaml``;
- :mod:`~capplan.generate.witness`: campaigns and their feasibility witnesses;
- :mod:`~capplan.generate.make`: :func:`generate`, which calls them in a fixed order;
- :mod:`~capplan.generate.write`: :func:`generate_folder` and :func:`write_folder`.
"""

from capplan.generate.make import PART_COLUMNS, REGION_COLUMNS, Generated, generate
from capplan.generate.model_file import SERVER_UPLIFT
from capplan.generate.spec import (
    FIRST_YEAR,
    LIMITS,
    PERIOD_YEARS,
    PeriodLength,
    Spec,
    period_labels,
)
from capplan.generate.tables import (
    ARCHETYPES,
    CNY_PER_USD,
    CURRENCIES,
    DOMESTIC_VENDORS,
    FOREIGN_VENDORS,
    SECONDS_PER_YEAR,
    ZFLOP,
)
from capplan.generate.text import cell, csv_text, floor_sig, sig
from capplan.generate.witness import CAMPAIGN_COLUMNS, WITNESS_SAFETY, Witness
from capplan.generate.write import generate_folder, write_folder

__all__ = [
    "ARCHETYPES",
    "CAMPAIGN_COLUMNS",
    "CNY_PER_USD",
    "CURRENCIES",
    "DOMESTIC_VENDORS",
    "FIRST_YEAR",
    "FOREIGN_VENDORS",
    "LIMITS",
    "PART_COLUMNS",
    "PERIOD_YEARS",
    "REGION_COLUMNS",
    "SECONDS_PER_YEAR",
    "SERVER_UPLIFT",
    "WITNESS_SAFETY",
    "ZFLOP",
    "Generated",
    "PeriodLength",
    "Spec",
    "Witness",
    "cell",
    "csv_text",
    "floor_sig",
    "generate",
    "generate_folder",
    "period_labels",
    "sig",
    "write_folder",
]
