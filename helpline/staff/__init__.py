"""Staff accounts: roles, MFA enforcement, invitations."""
