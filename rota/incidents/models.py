"""Models of incidents."""
