"""Coming back: the victim signs in with reference and PIN, sees progress and acts on their case."""
