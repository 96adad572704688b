"""The `vanban` command: options, prompts and Vietnamese messages around the use cases."""
