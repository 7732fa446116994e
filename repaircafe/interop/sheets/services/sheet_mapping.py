"""Reading cafés' own spreadsheets: which column is which, and cell values as they type them.

Headers come in any order and language ("Date", "Datum", "Réparé ?"); values in local forms
(12/03/2024, "oui", "1,2 kg", "800 g"). Each parser returns a clean value or raises Refused
with a reason a volunteer can act on; nothing here touches the database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from repaircafe.domain import lifecycle, values
from repaircafe.domain.errors import Refused

# Our fields, in the order the mapping page shows them.
FIELDS = ("date", "site", "category", "brand", "model", "problem", "weight", "outcome",
          "barrier", "age")
FIELD_LABELS = {
    "date": "Date of the session", "site": "Site", "category": "Category", "brand": "Brand",
    "model": "Model", "problem": "Problem", "weight": "Weight (kg)", "outcome": "Outcome",
    "barrier": "Barrier (End of life)", "age": "Age or year of manufacture",
}
DATE_ORDERS = ("dmy", "mdy", "ymd")
ROW_KEY = ""  # no key column: a row is known by its content

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "date": ("date", "day", "eventdate", "sessiondate", "datum", "fecha", "jour", "data",
             "dateofrepair", "datereparation", "dyddiad"),
    "site": ("site", "location", "venue", "lieu", "ort", "locatie", "lugar", "place",
             "groupidentifier", "cafe", "repaircafe"),
    "category": ("category", "categorie", "kategorie", "categoria", "type", "object",
                 "objet", "item", "product", "productcategory", "producttype", "appareil",
                 "gerat", "voorwerp", "typeobjet", "partnerproductcategory"),
    "brand": ("brand", "make", "marque", "marke", "merk", "marca", "manufacturer"),
    "model": ("model", "modele", "modell", "modelo", "reference", "ref"),
    "problem": ("problem", "probleme", "fault", "issue", "panne", "defaut", "description",
                "symptom", "symptome", "defekt", "storing", "problema", "what", "comment",
                "comments", "remarks", "notes"),
    "weight": ("weight", "weightkg", "poids", "poidskg", "gewicht", "peso", "kg", "masse"),
    "outcome": ("outcome", "result", "status", "repairstatus", "repaired", "fixed",
                "resultat", "repare", "reparation", "reparé", "ergebnis", "repariert",
                "gerepareerd", "resultado", "reparado", "success", "statut", "etat"),
    "barrier": ("barrier", "reason", "repairbarrier", "repairbarrierifendoflife", "whynot",
                "raison", "cause", "pourquoi", "grund", "reden", "motivo", "obstacle"),
    "age": ("age", "productage", "ageyears", "years", "yearofmanufacture", "year", "annee",
            "alter", "leeftijd", "edad", "ans", "anneedachat"),
}

_OUTCOMES: dict[str, tuple[str, ...]] = {
    "fixed": ("fixed", "yes", "y", "oui", "o", "ja", "j", "si", "sí", "1", "true", "vrai",
              "ok", "repaired", "repare", "reparee", "repariert", "gerepareerd", "reparado",
              "success", "done", "fait", "gelukt"),
    "repairable": ("repairable", "half", "partly", "partial", "partially", "2", "½",
                   "enpartie", "partiellement", "partiel", "reparable", "areparer",
                   "asuivre", "piece", "pieceacommander", "needspart", "teilweise",
                   "gedeeltelijk", "parcial", "later", "tofollow"),
    "end_of_life": ("endoflife", "no", "n", "non", "nein", "nee", "3", "false", "faux",
                    "notfixed", "irreparable", "hs", "horsservice", "dead", "eol",
                    "nonrepare", "nichtrepariert", "nietgerepareerd", "fin", "findevie"),
    "unknown": ("unknown", "?", "0", "inconnu", "nsp", "unbekannt", "onbekend",
                "desconocido", "na", "n/a", "-"),
}

_BARRIERS: dict[int, tuple[str, ...]] = {
    1: ("sparepartsnotavailable", "nospareparts", "piecesindisponibles", "pasdepiece",
        "pasdepieces", "keineersatzteile"),
    2: ("sparepartstooexpensive", "toexpensive", "tooexpensive", "piecestropcheres",
        "tropcher", "zuteuer"),
    3: ("nowaytoopenproduct", "cannotopen", "cantopen", "impossibledouvrir",
        "indemontable", "nichtzuoffnen"),
    4: ("repairinformationnotavailable", "noinformation", "nodocumentation",
        "pasdinformation", "pasdedocumentation", "schema"),
    5: ("lackofequipment", "noequipment", "manquedoutils", "manquedoutil",
        "pasdoutil", "werkzeugfehlt"),
    6: ("itemtoowornout", "toowornout", "worn", "wornout", "tropuse", "trouse",
        "usé", "use", "vetuste", "verschlissen"),
}

_CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "toaster": ("grillepain", "toaster", "tostadora"),
    "kettle": ("bouilloire", "wasserkocher", "waterkoker", "hervidor"),
    "lamp": ("lampe", "lamp", "luminaire", "lampara", "lamparas"),
    "vacuum": ("aspirateur", "staubsauger", "stofzuiger", "aspiradora", "hoover",
               "vacuumcleaner"),
    "coffee-maker": ("cafetiere", "machineacafe", "kaffeemaschine", "koffiezetapparaat",
                     "cafetera", "coffeemachine", "expresso", "espresso"),
    "iron": ("ferarepasser", "fer", "bugeleisen", "strijkijzer", "plancha"),
    "portable-radio": ("radio", "poste"),
    "hair-dryer": ("sechecheveux", "fohn", "fohnen", "fohnapparat", "fohn", "secador",
                   "hairdryer", "fohnfrisur"),
    "sewing-machine": ("machineacoudre", "nahmaschine", "naaimachine", "maquinadecoser"),
    "food-processor": ("mixeur", "blender", "robot", "robotmenager", "mixer", "batteur",
                       "centrifugeuse", "juicer", "licuadora"),
    "fan": ("ventilateur", "ventilator", "ventilador"),
    "laptop": ("ordinateurportable", "portable", "laptop", "notebook", "portatil"),
    "desktop-computer": ("ordinateur", "pc", "computer", "ordenador", "unitecentrale"),
    "mobile": ("telephone", "smartphone", "portablephone", "handy", "gsm", "movil",
               "mobilephone", "phone"),
    "flat-screen": ("television", "tele", "tv", "ecran", "fernseher", "monitor"),
    "power-tool": ("perceuse", "visseuse", "outilelectrique", "bohrmaschine", "boormachine",
                   "drill", "taladro"),
    "printer-scanner": ("imprimante", "drucker", "printer", "impresora", "scanner"),
    "watch-clock": ("montre", "horloge", "pendule", "reveil", "uhr", "klok", "reloj",
                    "watch", "clock"),
    "toy": ("jouetelectrique", "electronictoy"),
    "headphones": ("casque", "ecouteurs", "kopfhorer", "koptelefoon", "auriculares"),
    "bicycle": ("velo", "bicyclette", "fahrrad", "fiets", "bicicleta", "bike", "cycle"),
    "furniture": ("meuble", "chaise", "table", "mobel", "stuhl", "meubel", "stoel",
                  "mueble", "silla", "chair"),
    "clothing-textile": ("vetement", "vetements", "textile", "couture", "pantalon", "veste",
                         "kleidung", "kleding", "ropa", "clothes", "clothing", "garment"),
    "jewellery": ("bijou", "bijoux", "collier", "schmuck", "sieraad", "sieraden", "joya",
                  "jewelry", "necklace"),
    "toy-unpowered": ("jouet", "peluche", "spielzeug", "speelgoed", "juguete"),
    "hand-tool": ("outil", "outils", "werkzeug", "gereedschap", "herramienta", "tool"),
    "household-unpowered": ("ustensile", "vaisselle", "parapluie", "umbrella", "haushalt",
                            "huishoudelijk", "household"),
}

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate((
    ("jan", "january", "janvier", "januar", "januari", "enero", "janv"),
    ("feb", "february", "fevrier", "februar", "februari", "febrero", "fev", "fevr"),
    ("mar", "march", "mars", "marz", "maart", "marzo"),
    ("apr", "april", "avril", "abril", "avr"),
    ("may", "mai", "mei", "mayo"),
    ("jun", "june", "juin", "juni", "junio"),
    ("jul", "july", "juillet", "juli", "julio", "juil"),
    ("aug", "august", "aout", "augustus", "agosto"),
    ("sep", "sept", "september", "septembre", "septiembre"),
    ("oct", "october", "octobre", "oktober", "octubre", "okt"),
    ("nov", "november", "novembre", "noviembre"),
    ("dec", "december", "decembre", "dezember", "diciembre", "dez"),
), start=1):
    for _name in _names:
        _MONTHS[_name] = _number


def fold(text: Any) -> str:
    """Lower case, no accents, letters and digits only: how headers and values are compared."""
    decomposed = unicodedata.normalize("NFKD", str(text or "").strip().lower())
    return re.sub(r"[^a-z0-9?½/-]", "", "".join(c for c in decomposed
                                                 if not unicodedata.combining(c)))


def _bare(text: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(text))


@dataclass
class ColumnMapping:
    """Our field -> their header, the key column, how dates are written and the default site."""

    columns: dict[str, str] = field(default_factory=dict)
    key: str = ROW_KEY
    date_order: str = "dmy"
    site_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"columns": dict(self.columns), "key": self.key, "date_order": self.date_order,
                "site_id": self.site_id}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ColumnMapping:
        data = data or {}
        columns = {k: str(v) for k, v in dict(data.get("columns") or {}).items()
                   if k in FIELDS and v}
        order: str = data["date_order"] if data.get("date_order") in DATE_ORDERS else "dmy"
        site = str(data.get("site_id") or "")
        return cls(columns, str(data.get("key") or ""), order,
                   int(site) if site.isdigit() else None)

    def fitted_to(self, headers: Sequence[str]) -> ColumnMapping:
        """The same mapping with columns this file does not have left out."""
        present = set(headers)
        return ColumnMapping({k: v for k, v in self.columns.items() if v in present},
                             self.key if self.key in present else ROW_KEY,
                             self.date_order, self.site_id)


def guess_columns(headers: Sequence[str]) -> dict[str, str]:
    """Our field for each header we recognise; exact synonyms win over partial ones."""
    found: dict[str, str] = {}
    folded = [(h, _bare(h)) for h in headers]
    for exact in (True, False):
        for name in FIELDS:
            if name in found:
                continue
            for header, key in folded:
                if not key or header in found.values():
                    continue
                words = _SYNONYMS[name]
                if (key in words) if exact else any(len(w) > 3 and w in key for w in words):
                    found[name] = header
                    break
    return found


def guess_date_order(cells: Iterable[Any]) -> str:
    """dmy unless the dates themselves show otherwise (a 13th month is a day)."""
    for cell in cells:
        if isinstance(cell, date | datetime) or cell is None:
            continue
        parts = re.findall(r"[0-9]+", str(cell))
        if len(parts) != 3 or any(len(p) > 4 for p in parts):
            continue
        first, second = int(parts[0]), int(parts[1])
        if len(parts[0]) == 4:
            return "ymd"
        if first > 12 >= second:
            return "dmy"
        if second > 12 >= first:
            return "mdy"
    return "dmy"


def guess_mapping(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> ColumnMapping:
    """A first mapping from the headers and a look at the dates."""
    columns = guess_columns(headers)
    order = "dmy"
    if "date" in columns:
        index = list(headers).index(columns["date"])
        order = guess_date_order(r[index] for r in rows[:200] if index < len(r))
    return ColumnMapping(columns, ROW_KEY, order)


# --------------------------------------------------------------------------- cell values


def parse_date(cell: Any, order: str = "dmy", *, today: date | None = None) -> date:
    """A session date from a cell: a spreadsheet date, an Excel serial, or text in local form."""
    if isinstance(cell, datetime):
        found = cell.date()
    elif isinstance(cell, date):
        found = cell
    elif isinstance(cell, int | float) and 20000 <= cell <= 80000:
        found = date(1899, 12, 30) + timedelta(days=int(cell))
    else:
        found = _date_from_text(str(cell or "").strip(), order)
    if today is not None and found > today:
        raise Refused("The date %(date)s is in the future.", date=found.isoformat())
    if found.year < 1990:
        raise Refused("The date %(date)s is too far back for a repair café.",
                      date=found.isoformat())
    return found


def _date_from_text(text: str, order: str) -> date:
    if not text:
        raise Refused("The date is empty.")
    words = re.findall(r"[^\W\d_]+", fold(text).replace("-", " "))
    try:
        numbers = [int(n) for n in re.findall(r"\d+", text)]
        month_words = [_MONTHS[w] for w in words if w in _MONTHS]
        if month_words and len(numbers) == 2:
            day, year = (numbers if numbers[0] <= 31 else numbers[::-1])
            return date(_year(year), month_words[0], day)
        if len(numbers) >= 3:
            a, b, c = numbers[:3]
            if a > 31 or len(re.findall(r"\d+", text)[0]) == 4:
                return date(a, b, c)
            if order == "mdy":
                return date(_year(c), a, b)
            return date(_year(c), b, a)
        if len(numbers) == 1 and len(text) == 8 and text.isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except (ValueError, OverflowError):  # a 13th month, or a year of twenty digits
        pass
    raise Refused("“%(text)s” is not a date we can read (write it as 31/12/2024 or "
                  "2024-12-31).", text=_shown(text))


def _year(value: int) -> int:
    return value + 2000 if value < 100 else value


def parse_outcome(cell: Any) -> str:
    """fixed / repairable / end_of_life / unknown from yes/no, oui/non, ORDS names or codes."""
    text = fold(cell)
    if isinstance(cell, bool):
        return "fixed" if cell else "end_of_life"
    if isinstance(cell, int | float):
        text = str(int(cell)) if -10 < cell < 10 else "not an outcome"  # inf and nan too
    if cell is None or not str(cell).strip():
        return "unknown"
    bare = _bare(cell) or text
    raw = str(cell).strip().lower()
    for outcome, words in _OUTCOMES.items():
        if (text in words or bare in words or raw in words) and not _foreign_digits(raw):
            return outcome
    raise Refused("“%(cell)s” is not an outcome: use fixed, repairable, end of life or unknown "
                  "(or yes / half / no).", cell=_shown(cell))


def parse_barrier(cell: Any) -> int | None:
    """An ORDS barrier code (1-6) from its code, its name or a common wording."""
    if cell is None or not str(cell).strip():
        return None
    if isinstance(cell, int | float) and not isinstance(cell, bool) and cell in lifecycle.BARRIERS:
        return int(cell)
    raw = str(cell).strip()
    if re.fullmatch(r"[0-9]", raw) and int(raw) in lifecycle.BARRIERS:
        return int(raw)
    text = _bare(cell) if not _foreign_digits(raw) and not isinstance(cell, int | float) else ""
    for code, words in _BARRIERS.items():
        if text and (text in words or _bare(lifecycle.BARRIERS[code]) == text):
            return code
    raise Refused("“%(cell)s” is not a barrier: use 1 to 6 or one of %(names)s.",
                  cell=_shown(cell), names=", ".join(lifecycle.BARRIERS.values()))


def parse_weight_cell(cell: Any) -> float | None:
    """Kilograms from 1,2 / 1.2 kg / 800 g / 1 200 g."""
    if cell is None or isinstance(cell, bool):
        return None
    if isinstance(cell, int | float):
        try:
            return values.parse_weight(float(cell))
        except OverflowError:  # an integer too large for a float
            raise Refused("“%(cell)s” is not a weight.", cell=_shown(cell)) from None
    text = str(cell).strip().lower().replace("\u00a0", " ")
    if _foreign_digits(text) or len(text) > 40:
        raise Refused("“%(cell)s” is not a weight.", cell=_shown(cell))
    grams = re.fullmatch(r"([\d\s.,]+)\s*(g|gr|grammes?|grams?)", text)
    if grams:
        number = re.sub(r"\s", "", grams[1]).replace(",", ".")
        try:
            return values.parse_weight(float(number) / 1000)
        except ValueError:
            raise Refused("“%(cell)s” is not a weight.", cell=cell) from None
    text = re.sub(r"(?<=\d)\s+(?=\d{3}\b)", "", text)
    text = re.sub(r"\s*(kgs?|kilos?|kilogrammes?|kilograms?)$", "", text)
    return values.parse_weight(text)


def parse_age(cell: Any, on: date) -> float | None:
    """Age in years, from an age ("5", "5 ans", "2,5 years") or a year of manufacture."""
    if cell is None or str(cell).strip() == "":
        return None
    match = re.search(r"[0-9]+(?:[.,][0-9]+)?", str(cell))
    if match is None or _foreign_digits(str(cell)) or len(match[0]) > 8:
        raise Refused("“%(cell)s” is not an age in years.", cell=_shown(cell))
    number = float(match[0].replace(",", "."))
    if number >= 1900:
        if number > on.year:
            raise Refused("Year of manufacture %(year)s is after the repair.",
                          year=f"{number:g}")
        return float(on.year - int(number))
    if number > 150:
        raise Refused("“%(cell)s” is not an age in years.", cell=_shown(cell))
    return round(number, 1)


def _foreign_digits(text: str) -> bool:
    """Whether the text has digits other than 0-9 (², ٣): Python would read some of them as
    numbers, but in a café's sheet they are typing slips, so the cell is refused."""
    return any(c.isdigit() and not c.isascii() for c in text)


def _shown(cell: Any) -> str:
    """A cell as a message quotes it: a number too long to read is cut."""
    try:
        text = str(cell)
    except ValueError:  # an integer of thousands of digits
        text = "9" * 61
    return text if len(text) <= 60 else text[:60] + "…"


@dataclass(frozen=True)
class CategoryIndex:
    """Finds our category from what a café wrote: slug, name, ORDS name or a common word."""

    by_word: Mapping[str, str]

    @classmethod
    def build(cls, categories: Iterable[tuple[str, str]]) -> CategoryIndex:
        words: dict[str, str] = {}
        for slug, word_list in _CATEGORY_WORDS.items():
            for word in word_list:
                words.setdefault(word, slug)
        for slug, name in categories:
            words[_bare(slug)] = slug
            words[_bare(name)] = slug
        return cls(words)

    def find(self, cell: Any) -> str | None:
        text = str(cell or "").strip()
        if not text:
            return None
        for candidate in (text, text.split("~")[-1], text.split("/")[0], text.split("(")[0]):
            slug = self.by_word.get(_bare(candidate))
            if slug:
                return slug
        for word in re.split(r"[\s,;/~()-]+", fold(text)):
            slug = self.by_word.get(_bare(word))
            if slug and len(word) > 2:
                return slug
        raise Refused("“%(text)s” is not a category we know: use one of the category "
                      "names.", text=_shown(text))
