"""Signed CIT certifications: keys, issuance, status lists."""
