"""The use cases of vanban: what a user asks for, as plain functions taking typed requests.

The CLI, the demo and the web service call these and nothing below them, so every entry point loads and checks
a campaign the same way, stages its outputs the same way and fails with the same located errors.

- `documents`: check a campaign file, render its letters, forms and PDFs.
- `results`: blank forms, example scores, indicator sets, the ranking and its documents.
- `signing`: sign PDFs (one key for many files), issue a signed draft, specimen images.
- `approval`: check that a signed upload is the approved draft, validly signed by its signer.
- `evidence`: verify signed evidence, the resubmission letter, the verification policy, trusted roots.

Submodules are imported on use: each pulls in only the libraries its use case needs.
"""
