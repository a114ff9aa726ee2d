"""The public directory of agencies: by region, with the coordinator's contact and how many of
each agency's officers are certified now, in bands."""
