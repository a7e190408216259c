"""Casework: the caseworkers' queue, case management, internal notes, messages, evidence and the audit log."""
