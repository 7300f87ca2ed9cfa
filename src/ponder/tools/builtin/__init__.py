"""Ponder's built-in tools."""
