"""DOCX templates a user may open and edit in Word; `make templates` regenerates the originals."""

from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parent
