"""Campaigns edited in forms and kept as the same YAML campaign file the CLI reads (import and export lossless)."""
