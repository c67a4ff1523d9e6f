"""Accounts: users, roles, passwords, login throttling and the first admin's link."""
