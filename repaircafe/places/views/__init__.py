"""The feature's pages: thin views over its services."""
