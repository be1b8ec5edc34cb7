"""capplan.data."""
