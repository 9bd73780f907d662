"""Notifications: in-app notices on the home page, and e-mail through an outbox with retry."""
