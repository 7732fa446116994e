"""Photos of an object taken at intake or at the bench: private evidence, public one by one."""
