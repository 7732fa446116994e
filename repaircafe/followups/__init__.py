""""Still working?": asking owners months after a repair whether it held, and what they said."""
