"""Signing, issuance and verification of PDF documents (PAdES) for vanban."""
