"""Attachments of the guidance letter: each tier's self-assessment form (Biểu số) and evidence guide (Phụ lục)."""
