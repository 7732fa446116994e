"""The demo: a database of real repair records in two made-up groups, to click through."""
