"""Removal and de-index requests: the platform directory, drafting, state machine, deadlines, re-checks."""
