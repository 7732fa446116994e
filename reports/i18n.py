"""Report text in English and French, and number formatting per language."""

from __future__ import annotations

import math

LANGUAGES = ("en", "fr")
NBSP = "\u00a0"

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "report": "Circularity report",
        "scope": "Scope",
        "period": "Period",
        "generated": "Generated",
        "page_of": "Page {page} of {total}",
        "factor_set": "Factor set",
        "recomputed": "Figures recomputed under factor set {label}",
        "headline": "Headline figures",
        "objects_received": "Objects received",
        "repair_success_rate": "Repair success rate",
        "kg_kept_in_use": "Kept in use",
        "co2e_central": "CO2e avoided (central)",
        "co2e_conservative": "CO2e avoided (conservative)",
        "parts_harvested": "Parts harvested",
        "parts_reused": "Parts reused",
        "kg_recycled": "Recycled",
        "recycling_credit": "Recycling credit, low to central",
        "eu_reused_kpi": "Back in use (EU 2021/19 re-use)",
        "success_rate_note": "Repair success rate = fixed objects / objects with a known outcome.",
        "co2e_range_note": (
            "CO2e avoided by repair lies between {low} (conservative, displacement {dc}) and "
            "{high} (central, displacement {d}). Recycling credits are reported separately and "
            "never added to repair credits."
        ),
        "trend": "Monthly trend",
        "trend_chart": "Objects per month by outcome",
        "co2e_chart": "CO2e avoided per month (kg, central)",
        "month": "Month",
        "objects": "Objects",
        "fixed": "Fixed",
        "repairable": "Repairable",
        "end_of_life": "End of life",
        "unknown": "Unknown",
        "success": "Success",
        "waste_prevented_kg": "Kept in use (kg)",
        "co2e_kg": "CO2e central (kg)",
        "co2e_cons_kg": "CO2e conservative (kg)",
        "by_category": "Breakdown by category",
        "top_categories_chart": "Objects by category (top {n})",
        "category": "Category",
        "uncategorised": "No category",
        "by_outcome": "Breakdown by outcome",
        "outcome": "Outcome",
        "share": "Share",
        "by_barrier": "Barriers to repair (end-of-life objects)",
        "barrier": "Barrier",
        "no_barrier": "No barrier recorded",
        "by_site": "Breakdown by site",
        "site": "Site",
        "hierarchy": "Waste hierarchy",
        "hierarchy_note": (
            "Each kilogram is counted in one fate only. Objects that reached end of life and were "
            "not recorded as recycled or harvested have no recorded mass."
        ),
        "level": "Level",
        "mass_kg": "Mass (kg)",
        "prevention": "Prevention: repaired and kept in use",
        "preparing_reuse": "Preparing for re-use: refurbished objects and reused parts",
        "recycling": "Recycling",
        "not_recorded": "End of life, fate not recorded",
        "recycling_by_material": "Recycling by material",
        "material": "Material",
        "kg": "kg",
        "credit_central": "Credit central (kg CO2e)",
        "credit_low": "Credit low (kg CO2e)",
        "no_recycling": "No recycling recorded in this period.",
        "eu_reuse": "Re-use by product category (Commission Implementing Decision (EU) 2021/19)",
        "eu_reuse_note": (
            "Counts only objects actually back in use: repaired and returned, or refurbished and "
            "handed over. Mass in tonnes."
        ),
        "eu_category": "Product category",
        "tonnes": "Tonnes",
        "coverage": "Data coverage",
        "with_category": "Records with a category",
        "with_weight": "Records with a weight",
        "fixed_without_weight": "Fixed objects without a recorded weight",
        "coverage_note": (
            "Where no weight was recorded, the category average weight of the factor set is used; "
            "objects of the Misc categories without a weight count zero."
        ),
        "methodology": "Methodology",
        "m_intro": (
            "CO2e avoided by a repair is the pre-use footprint (manufacture and distribution) of a "
            "new equivalent product multiplied by a displacement rate: a repaired product is "
            "assumed to displace part of a new purchase. Only fixed objects, and refurbished "
            "objects handed over, earn a credit; repairable, end-of-life and unknown outcomes "
            "score zero. Repair-phase emissions and use-phase energy are not counted."
        ),
        "m_set": "Central figures: factor set {name}, version {version}, displacement {d}.",
        "m_cons": "Conservative figures: factor set {name}, displacement {d}.",
        "m_weight": (
            "Waste prevented is the object's weight; each figure is stored with the weight source "
            "(measured, estimated or category average) and the factor-set version at the time it "
            "was recorded, so this report does not change when factors are updated later."
        ),
        "m_parts": (
            "A reused part credits its own weight and its share of the category footprint. "
            "Recycling credits multiply the kilograms of each material by a credit per kilogram "
            "(low and central values from the literature) and replace primary production."
        ),
        "m_caveats": (
            "Known limits: some categories rest on a single product (bicycle, sewing machine, "
            "coffee maker), and published reference data differ slightly in places (mobile phone "
            "51.1 vs 50.51 kg CO2e). The choice of method moves results by up to about 2.6 times, "
            "which is why a range is shown."
        ),
        "sources": "Sources",
        "none": "none",
    },
    "fr": {
        "report": "Rapport de circularité",
        "scope": "Périmètre",
        "period": "Période",
        "generated": "Généré le",
        "page_of": "Page {page} sur {total}",
        "factor_set": "Jeu de facteurs",
        "recomputed": "Chiffres recalculés avec le jeu de facteurs {label}",
        "headline": "Chiffres clés",
        "objects_received": "Objets reçus",
        "repair_success_rate": "Taux de réparation réussie",
        "kg_kept_in_use": "Maintenus en usage",
        "co2e_central": "CO2e évité (central)",
        "co2e_conservative": "CO2e évité (prudent)",
        "parts_harvested": "Pièces prélevées",
        "parts_reused": "Pièces réemployées",
        "kg_recycled": "Recyclés",
        "recycling_credit": "Crédit recyclage, bas à central",
        "eu_reused_kpi": "Remis en usage (réemploi, UE 2021/19)",
        "success_rate_note": (
            "Taux de réparation réussie = objets réparés / objets dont l'issue est connue."
        ),
        "co2e_range_note": (
            "Le CO2e évité par la réparation se situe entre {low} (prudent, taux de substitution "
            "{dc}) et {high} (central, taux de substitution {d}). Les crédits de recyclage sont "
            "présentés à part et ne s'ajoutent jamais aux crédits de réparation."
        ),
        "trend": "Évolution mensuelle",
        "trend_chart": "Objets par mois selon l'issue",
        "co2e_chart": "CO2e évité par mois (kg, central)",
        "month": "Mois",
        "objects": "Objets",
        "fixed": "Réparé",
        "repairable": "Réparable",
        "end_of_life": "Fin de vie",
        "unknown": "Inconnu",
        "success": "Réussite",
        "waste_prevented_kg": "Maintenu en usage (kg)",
        "co2e_kg": "CO2e central (kg)",
        "co2e_cons_kg": "CO2e prudent (kg)",
        "by_category": "Répartition par catégorie",
        "top_categories_chart": "Objets par catégorie ({n} premières)",
        "category": "Catégorie",
        "uncategorised": "Sans catégorie",
        "by_outcome": "Répartition par issue",
        "outcome": "Issue",
        "share": "Part",
        "by_barrier": "Obstacles à la réparation (objets en fin de vie)",
        "barrier": "Obstacle",
        "no_barrier": "Aucun obstacle indiqué",
        "by_site": "Répartition par lieu",
        "site": "Lieu",
        "hierarchy": "Hiérarchie des déchets",
        "hierarchy_note": (
            "Chaque kilogramme n'est compté que dans un seul devenir. Les objets arrivés en fin de "
            "vie sans recyclage ni prélèvement enregistré n'ont pas de masse connue."
        ),
        "level": "Niveau",
        "mass_kg": "Masse (kg)",
        "prevention": "Prévention : réparés et maintenus en usage",
        "preparing_reuse": (
            "Préparation en vue du réemploi : objets reconditionnés et pièces réemployées"
        ),
        "recycling": "Recyclage",
        "not_recorded": "Fin de vie, devenir non enregistré",
        "recycling_by_material": "Recyclage par matière",
        "material": "Matière",
        "kg": "kg",
        "credit_central": "Crédit central (kg CO2e)",
        "credit_low": "Crédit bas (kg CO2e)",
        "no_recycling": "Aucun recyclage enregistré sur la période.",
        "eu_reuse": (
            "Réemploi par catégorie de produits "
            "(décision d'exécution (UE) 2021/19 de la Commission)"
        ),
        "eu_reuse_note": (
            "Ne compte que les objets effectivement remis en usage : réparés et rendus, ou "
            "reconditionnés et remis. Masse en tonnes."
        ),
        "eu_category": "Catégorie de produits",
        "tonnes": "Tonnes",
        "coverage": "Couverture des données",
        "with_category": "Fiches avec une catégorie",
        "with_weight": "Fiches avec un poids",
        "fixed_without_weight": "Objets réparés sans poids enregistré",
        "coverage_note": (
            "Sans poids enregistré, le poids moyen de la catégorie du jeu de facteurs "
            "est utilisé ; "
            "les objets des catégories « Divers » sans poids comptent zéro."
        ),
        "methodology": "Méthodologie",
        "m_intro": (
            "Le CO2e évité par une réparation est l'empreinte avant usage (fabrication et "
            "distribution) d'un produit neuf équivalent, multipliée par un taux de substitution : "
            "un produit réparé est supposé remplacer une partie d'un achat neuf. Seuls les objets "
            "réparés, et les objets reconditionnés remis à un usager, sont crédités ; les issues "
            "« réparable », « fin de vie » et « inconnue » comptent zéro. Les émissions de la "
            "réparation et l'énergie d'usage ne sont pas comptées."
        ),
        "m_set": (
            "Chiffres centraux : jeu de facteurs {name}, version {version}, "
            "taux de substitution {d}."
        ),
        "m_cons": "Chiffres prudents : jeu de facteurs {name}, taux de substitution {d}.",
        "m_weight": (
            "Le déchet évité est le poids de l'objet ; chaque chiffre est enregistré "
            "avec l'origine "
            "du poids (mesuré, estimé ou moyenne de catégorie) et la version du jeu de facteurs en "
            "vigueur, de sorte que ce rapport ne change pas si les facteurs sont mis à jour."
        ),
        "m_parts": (
            "Une pièce réemployée est créditée de son propre poids et de sa part de l'empreinte de "
            "sa catégorie. Les crédits de recyclage multiplient les kilogrammes de chaque matière "
            "par un crédit par kilogramme (valeurs basse et centrale de la littérature), en "
            "remplacement d'une production primaire."
        ),
        "m_caveats": (
            "Limites connues : certaines catégories reposent sur un seul produit (vélo, machine à "
            "coudre, cafetière) et les données de référence publiées diffèrent légèrement par "
            "endroits (téléphone mobile : 51,1 contre 50,51 kg CO2e). Le choix de la méthode fait "
            "varier les résultats jusqu'à environ 2,6 fois, d'où la fourchette présentée."
        ),
        "sources": "Sources",
        "none": "aucun",
    },
}

# French typography: a no-break space before ; : and inside « ».
STRINGS["fr"] = {
    k: v.replace(" :", NBSP + ":")
    .replace(" ;", NBSP + ";")
    .replace("« ", "«" + NBSP)
    .replace(" »", NBSP + "»")
    for k, v in STRINGS["fr"].items()
}

BARRIERS = {
    "en": {
        1: "Spare parts not available",
        2: "Spare parts too expensive",
        3: "No way to open product",
        4: "Repair information not available",
        5: "Lack of equipment",
        6: "Item too worn out",
    },
    "fr": {
        1: "Pièces détachées indisponibles",
        2: "Pièces détachées trop chères",
        3: "Produit impossible à ouvrir",
        4: "Informations de réparation indisponibles",
        5: "Manque d'équipement",
        6: "Objet trop usé",
    },
}

EU_CATEGORIES = {
    "en": {
        "textiles": "Textiles",
        "electrical_and_electronic_equipment": "Electrical and electronic equipment",
        "furniture": "Furniture",
        "construction_materials_and_products": "Construction materials and products",
        "other_products": "Other products",
    },
    "fr": {
        "textiles": "Textiles",
        "electrical_and_electronic_equipment": "Équipements électriques et électroniques",
        "furniture": "Meubles",
        "construction_materials_and_products": "Matériaux et produits de construction",
        "other_products": "Autres produits",
    },
}

MATERIALS = {
    "en": {
        "steel": "Steel / ferrous metal",
        "aluminium": "Aluminium",
        "copper": "Copper",
        "mixed_metals": "Mixed metals",
        "plastics": "Mixed WEEE plastics",
        "glass": "Glass",
        "circuit_boards": "Printed circuit boards",
        "weee_mixed": "Mixed small WEEE",
        "wood": "Wood",
        "textiles": "Textiles",
        "paper_card": "Paper and card",
        "batteries": "Batteries",
        "other": "Other / residual",
    },
    "fr": {
        "steel": "Acier / métaux ferreux",
        "aluminium": "Aluminium",
        "copper": "Cuivre",
        "mixed_metals": "Métaux en mélange",
        "plastics": "Plastiques de DEEE en mélange",
        "glass": "Verre",
        "circuit_boards": "Cartes électroniques",
        "weee_mixed": "Petits DEEE en mélange",
        "wood": "Bois",
        "textiles": "Textiles",
        "paper_card": "Papiers et cartons",
        "batteries": "Piles et batteries",
        "other": "Autres / résiduel",
    },
}

# Product categories, keyed by the slugs of the application's category list.
CATEGORIES = {
    "fr": {
        "aircon-dehumidifier": "Climatiseur/déshumidificateur",
        "battery-charger-adapter": "Batterie/chargeur/adaptateur",
        "decorative-safety-lights": "Éclairage décoratif ou de sécurité",
        "desktop-computer": "Ordinateur de bureau",
        "digital-compact-camera": "Appareil photo compact numérique",
        "dslr-video-camera": "Appareil photo reflex/caméra",
        "fan": "Ventilateur",
        "flat-screen": "Écran plat",
        "hair-beauty-item": "Article de coiffure et de beauté",
        "handheld-entertainment-device": "Appareil de divertissement portable",
        "headphones": "Casque audio",
        "hifi-integrated": "Chaîne hi-fi compacte",
        "hifi-separates": "Éléments hi-fi séparés",
        "kettle": "Bouilloire",
        "lamp": "Lampe",
        "laptop": "Ordinateur portable",
        "large-home-electrical": "Gros électroménager",
        "misc": "Divers",
        "mobile": "Téléphone mobile",
        "musical-instrument": "Instrument de musique",
        "paper-shredder": "Destructeur de documents",
        "pc-accessory": "Accessoire informatique",
        "portable-radio": "Radio portable",
        "power-tool": "Outil électrique",
        "printer-scanner": "Imprimante/scanner",
        "projector": "Vidéoprojecteur",
        "sewing-machine": "Machine à coudre",
        "small-home-electrical": "Petit électroménager",
        "small-kitchen-item": "Petit article de cuisine",
        "tablet": "Tablette",
        "toaster": "Grille-pain",
        "toy": "Jouet",
        "tv-gaming-accessories": "Accessoires TV et jeux vidéo",
        "vacuum": "Aspirateur",
        "watch-clock": "Montre/horloge",
        "coffee-maker": "Cafetière",
        "food-processor": "Robot de cuisine",
        "games-console": "Console de jeux",
        "hair-dryer": "Sèche-cheveux",
        "iron": "Fer à repasser",
        "bicycle": "Vélo",
        "furniture": "Meuble",
        "clothing-textile": "Vêtements/textile",
        "jewellery": "Bijoux",
        "hand-tool": "Outil à main",
        "household-unpowered": "Article ménager (non électrique)",
        "toy-unpowered": "Jouet (non électrique)",
        "misc-unpowered": "Divers (non électrique)",
    },
}

OUTCOMES = ("fixed", "repairable", "end_of_life", "unknown")


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    return lang


def t(lang: str, key: str, **kw: object) -> str:
    text = STRINGS[lang][key]
    return text.format(**kw) if kw else text


def colon(lang: str) -> str:
    """': ' in English, ' : ' with a no-break space before the colon in French."""
    return f"{NBSP}: " if lang == "fr" else ": "


def fmt_number(value: float | int | None, lang: str, decimals: int = 0) -> str:
    """1,234.5 in English, 1 234,5 in French (no-break space as thousands separator)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    if lang == "fr":
        text = text.replace(",", NBSP).replace(".", ",")
    return text


def fmt_percent(share: float | None, lang: str, decimals: int = 1) -> str:
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "–"
    number = fmt_number(share * 100, lang, decimals)
    return f"{number}{NBSP}%" if lang == "fr" else f"{number}%"


def fmt_kg(value: float | None, lang: str) -> str:
    """Mass with a sensible unit: kg below 10 tonnes, tonnes above."""
    if value is None:
        return "–"
    if abs(value) >= 10_000:
        return f"{fmt_number(value / 1000, lang, 1)}{NBSP}t"
    return f"{fmt_number(value, lang, 0 if abs(value) >= 100 else 1)}{NBSP}kg"


def barrier_label(code: object, lang: str) -> str:
    try:
        return BARRIERS[lang][int(float(str(code)))]
    except (TypeError, ValueError, KeyError):
        return t(lang, "no_barrier")


def material_label(slug: str, lang: str) -> str:
    return MATERIALS[lang].get(slug, slug.replace("_", " ").capitalize())


def category_label(slug: object, name: object, lang: str) -> str:
    """A category's name in the report language; the given (English) name when there is none."""
    translated = CATEGORIES.get(lang, {}).get(str(slug)) if slug else None
    return translated or (str(name) if name else str(slug or ""))
