"""The HTTP edge: problem details, request plumbing and the public pages."""
