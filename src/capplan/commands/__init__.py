"""The ``capplan`` commands, one module per group; :mod:`capplan.cli` registers them."""
