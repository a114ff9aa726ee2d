"""Coverage: each agency's patrol plan, its officers' assignments, and whether a CIT-certified
officer is on duty in every district on every shift, today and on each day ahead."""
