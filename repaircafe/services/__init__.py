"""One function per user action: each checks its rule, writes and commits once."""
