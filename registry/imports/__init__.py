"""Bulk CSV imports of officers and class rosters, and the CSV exports coordinators download."""
