"""Objects: intake at the door, the bench, the history, owners and the public page."""
