"""Courses, classes, enrollment, attendance, results and eligibility."""
