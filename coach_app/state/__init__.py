"""Reflex state classes, one module per area."""
