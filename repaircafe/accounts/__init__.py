"""Accounts: signing in and out, roles, API tokens."""
