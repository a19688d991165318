"""Reports for people: the structure comparison and the shared translation table."""
