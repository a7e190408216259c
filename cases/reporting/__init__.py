"""Supervisor reporting: cases, removal outcomes per platform, queue health and the hash bank, with CSV exports."""
