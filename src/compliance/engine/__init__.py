"""The rules engine: pure, data in and findings out."""
