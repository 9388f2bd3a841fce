"""Deterministic, clearly fictitious demo data, loaded through the bulk paths."""
