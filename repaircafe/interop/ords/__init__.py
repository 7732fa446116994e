"""Open Repair Data Standard imports and exports."""
