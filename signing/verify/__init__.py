"""Verification of signed evidence by policy: checks, verdicts, trust store, reports."""
