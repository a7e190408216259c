"""Help while they wait: the "what to do now" guide, private browsing advice and the photo privacy check."""
