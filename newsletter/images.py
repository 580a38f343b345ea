"""The one image pipeline (placeholder until implemented)."""
