"""Shared ground: errors and diagnostics, atomic files, the line-tracking YAML reader, Vietnamese conventions."""
