"""Victims' cases: intake, removal requests, the caseworkers' queue and reporting."""
