"""Accounts, logins, API tokens and access rules. No Reflex here (the CLI and HTTP routes use it)."""
