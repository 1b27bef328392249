"""Models of support."""
