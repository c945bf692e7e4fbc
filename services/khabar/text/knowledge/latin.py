"""Latin spellings of people and organisations: whole names from the table, else (people only) composed from
name units when every unit is known; absent rather than guessed."""
from __future__ import annotations

from .names import lookup_key

COMPOSED = "arabic-name-romanizer units"
# Name parts written apart that are one unit (عبد الله, أبو بكر): the romanizer's units hold them joined by a space.
_JOINED_FIRST = ("عبد", "ابو", "ابي", "ام")


class Romaniser:
    def __init__(self, table: dict):
        self.person: dict[str, list[str]] = table["person"]
        self.org: dict[str, list[str]] = table["org"]
        self.units: dict[str, str] = table["units"]
        self.surnames: dict[str, str] = table["surnames"]

    def canonical_person(self, name: str) -> str:
        """The key of the well-known full name a lone surname stands for (بوتين -> فلاديمير بوتين), else the name's."""
        k = lookup_key(name)
        return self.surnames.get(k, k) if " " not in k else k

    def spell(self, name: str, entity_type: str) -> tuple[str, str] | None:
        """(latin, source) or None."""
        if entity_type == "PERS":
            k = self.canonical_person(name)
            found = self.person.get(k)
            return (found[0], found[1]) if found else self._compose(k)
        if entity_type == "ORG":
            found = self.org.get(lookup_key(name))
            return (found[0], found[1]) if found else None
        return None

    def _compose(self, k: str) -> tuple[str, str] | None:
        words = k.split()
        if len(words) < 2:
            return None  # a lone unknown word may be a nickname or a mis-tagged common word
        out, i = [], 0
        while i < len(words):
            pair = " ".join(words[i:i + 2])
            if words[i] in _JOINED_FIRST and pair in self.units:
                out.append(self.units[pair])
                i += 2
            elif words[i] in self.units:
                out.append(self.units[words[i]])
                i += 1
            else:
                return None
        return " ".join(out), COMPOSED
