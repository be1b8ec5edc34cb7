"""capplan.config."""
