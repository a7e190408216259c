"""Platform replies to emailed removal requests: matching, storage, suggested outcomes, inbound routes."""
