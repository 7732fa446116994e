"""Tags: label codes, scanning, label sheets and printers."""
