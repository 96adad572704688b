"""vanban's document side: campaign files, documents, forms, results, PDF, the use cases and the CLI."""
