"""Collection from departments: catalogue-driven ingestion, review, linking, revocation and quality scores."""
