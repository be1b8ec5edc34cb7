"""``python -m capplan``: the ``capplan`` command."""

from capplan.cli import main

main()
