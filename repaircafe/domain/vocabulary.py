"""Names that come from data, listed so that they are in the message catalogue.

Category names are stored in English in the database (they are the ORDS product categories);
pages translate them when they show them, `_(category.name)`. A test checks that this list
matches repaircafe/data/categories.csv.
"""

from __future__ import annotations

from repaircafe.domain.messages import N_

CATEGORY_NAMES = {
    "aircon-dehumidifier": N_("Aircon/dehumidifier"),
    "battery-charger-adapter": N_("Battery/charger/adapter"),
    "decorative-safety-lights": N_("Decorative or safety lights"),
    "desktop-computer": N_("Desktop computer"),
    "digital-compact-camera": N_("Digital compact camera"),
    "dslr-video-camera": N_("DSLR/video camera"),
    "fan": N_("Fan"),
    "flat-screen": N_("Flat screen"),
    "hair-beauty-item": N_("Hair & beauty item"),
    "handheld-entertainment-device": N_("Handheld entertainment device"),
    "headphones": N_("Headphones"),
    "hifi-integrated": N_("Hi-Fi integrated"),
    "hifi-separates": N_("Hi-Fi separates"),
    "kettle": N_("Kettle"),
    "lamp": N_("Lamp"),
    "laptop": N_("Laptop"),
    "large-home-electrical": N_("Large home electrical"),
    "misc": N_("Misc"),
    "mobile": N_("Mobile"),
    "musical-instrument": N_("Musical instrument"),
    "paper-shredder": N_("Paper shredder"),
    "pc-accessory": N_("PC accessory"),
    "portable-radio": N_("Portable radio"),
    "power-tool": N_("Power tool"),
    "printer-scanner": N_("Printer/scanner"),
    "projector": N_("Projector"),
    "sewing-machine": N_("Sewing machine"),
    "small-home-electrical": N_("Small home electrical"),
    "small-kitchen-item": N_("Small kitchen item"),
    "tablet": N_("Tablet"),
    "toaster": N_("Toaster"),
    "toy": N_("Toy"),
    "tv-gaming-accessories": N_("TV and gaming-related accessories"),
    "vacuum": N_("Vacuum"),
    "watch-clock": N_("Watch/clock"),
    "coffee-maker": N_("Coffee maker"),
    "food-processor": N_("Food processor"),
    "games-console": N_("Games console"),
    "hair-dryer": N_("Hair dryer"),
    "iron": N_("Iron"),
    "bicycle": N_("Bicycle"),
    "furniture": N_("Furniture"),
    "clothing-textile": N_("Clothing/textile"),
    "jewellery": N_("Jewellery"),
    "hand-tool": N_("Hand tool"),
    "household-unpowered": N_("Household (non-electric)"),
    "toy-unpowered": N_("Toy (non-electric)"),
    "misc-unpowered": N_("Misc (unpowered)"),
}


# Materials recycled (repaircafe/factors/materials.csv), by key.
MATERIAL_NAMES = {
    "steel": N_("Steel / ferrous metal"),
    "aluminium": N_("Aluminium"),
    "copper": N_("Copper"),
    "mixed_metals": N_("Mixed metals"),
    "plastics": N_("Mixed WEEE plastics"),
    "glass": N_("Glass"),
    "circuit_boards": N_("Printed circuit boards"),
    "weee_mixed": N_("Mixed small WEEE (unsorted)"),
    "wood": N_("Wood"),
    "textiles": N_("Textiles"),
    "paper_card": N_("Paper and card"),
    "batteries": N_("Batteries (portable)"),
    "other": N_("Other / residual"),
}

# Roles, hand-over kinds and material keys that pages show as stored (`_(user.role)`,
# `_(event.payload.to)`, `_(material)`).
STORED_WORDS = (
    N_("admin"), N_("coordinator"), N_("fixer"), N_("viewer"),
    N_("owner"), N_("new_owner"), N_("sold"), N_("donated"), N_("lent"),
    N_("steel"), N_("aluminium"), N_("copper"), N_("mixed_metals"), N_("plastics"), N_("glass"),
    N_("circuit_boards"), N_("weee_mixed"), N_("wood"), N_("textiles"), N_("paper_card"),
    N_("batteries"), N_("other"),
)

# The scope that covers every group, when a user may see them all.
ALL_GROUPS = N_("All groups")
