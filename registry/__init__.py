"""CIT Credential Registry: training records and verifiable CIT certifications."""
