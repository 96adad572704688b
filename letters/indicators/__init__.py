"""Indicator sets, the campaign's tiers and units as the forms and results take them, and the Excel forms."""
