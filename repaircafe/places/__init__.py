"""Territories, repair groups and their sites: creating, renaming, and moving sites between
territories, one at a time or from a council's list of postcodes or municipality codes."""
