"""Hash bank models (added by the hash bank work)."""
