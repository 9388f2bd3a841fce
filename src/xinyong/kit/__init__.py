"""Small generic helpers: clock, identifiers, masking, working days."""
