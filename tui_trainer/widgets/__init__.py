"""Widgets that draw a Snapshot. Each only renders what it is given (attributes down)."""
