"""Accounts: users, roles, passwords, login throttling, server-side sessions and the first admin's link."""
