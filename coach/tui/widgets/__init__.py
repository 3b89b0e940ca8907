"""Widgets of coach's own."""
