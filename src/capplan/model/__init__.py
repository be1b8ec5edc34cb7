"""capplan.model."""
