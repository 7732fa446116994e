"""Pure rules of the product: codes, lifecycle, impact, permissions. No Flask, no SQL."""
