"""Notices the program sends to officers: expiry warnings."""
