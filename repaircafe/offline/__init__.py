"""Working through a dropped network: the service worker, and what a queued write needs."""
