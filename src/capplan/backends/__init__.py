"""capplan.backends."""
