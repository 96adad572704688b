"""Agencies, units, roles and the people who hold them; login, first-login password change, throttling."""
