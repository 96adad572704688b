"""Digital signatures: signing and issuance (signing.sign), verification of evidence (signing.verify), demo PKI."""
