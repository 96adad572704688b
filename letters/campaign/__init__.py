"""The campaign file: its model, loading with located errors, and checks across its sections."""
