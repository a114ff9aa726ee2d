"""Regions, agencies, officers and their employment history."""
