"""capplan.results."""
