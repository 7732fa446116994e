"""Spreadsheets as cafés keep them, written by the tests: a messy Dutch workbook and a German
CSV (see tests/services/test_sheet_vocabulary.py for what each row shows)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

DUTCH_HEADERS = ["  Nr ", "DATUM", "categorie ", " Merk", "KLACHT", "Gewicht (kg)",
                 "Resultaat", "Reden", "Leeftijd", "Opmerking"]
DUTCH_ROWS = [
    [1, datetime(2025, 6, 7), "Koffiezetapparaat", "Philips", "lekt", "2,1", "Gerepareerd",
     None, "5 jaar", "vaste klant"],
    [2, datetime(2025, 6, 7), "Koffie zetapparaat", "Senseo", "geen stroom", "ca. 2kg??",
     "Deels", None, "old", None],
    [3, "07-06-2025", "Small kitchen item", None, "motor", 1.4, "Niet gerepareerd",
     "Onderdelen niet verkrijgbaar", None, None],
    [None, None, None, None, None, None, None, None, None, None],
    [4, "07-06-2025", "Casque audio", "Sony", "kabel", "300 g", "gerepareerd", None, None,
     None],
    [5, "07-06-2025", "Elektrische fiets", "Gazelle", "lamp", None, "Niet gerepareerd",
     "Te duur", 12, None],
    [6, "07-06-2025", "Stofzuiger", "Miele", "zuigt niet", 6, "misschien", None, None, None],
    [7, "07-06-2025", "Vliegende schotel", None, "?", None, "Gedeeltelijk", "Versleten", None,
     None],
]

GERMAN_CSV = (
    "Nr;Datum;Kategorie;Marke;Fehler;Gewicht;Ergebnis;Grund\n"
    "1;07.06.2025;Staubsauger;Bosch;saugt nicht;5,5 kg;Repariert;\n"
    "2;07.06.2025;Kaffeemaschine;Krups;undicht;3;Teilweise;\n"
    "3;07.06.2025;Bügeleisen;Rowenta;kein Dampf;1,2;Nicht repariert;"
    "Ersatzteile nicht erhältlich\n"
    "4;07.06.2025;Nähmaschine;Singer;Faden reißt;8;Nicht repariert;"
    "Lässt sich nicht öffnen\n"
    "5;07.06.2025;Handy;Samsung;Akku;0,2;Nicht repariert;Zu teuer\n"
    "6;07.06.2025;Schreibtischlampe;;Schalter;1;Repariert;\n"
)


def write_dutch_xlsx(path: Path) -> Path:
    """The Dutch workbook at path: odd header spacing and case, a blank line, "Deels", a Dutch
    barrier, multi-word categories, a weight "ca. 2kg??" and an age "old"."""
    book = Workbook()
    sheet = book.active
    sheet.append(DUTCH_HEADERS)
    for row in DUTCH_ROWS:
        sheet.append(row)
    book.save(path)
    return path
