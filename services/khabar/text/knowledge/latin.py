"""Latin spellings of people and organisations: whole names from the table only. Composing a name from its
parts' most frequent spellings was tried and dropped: 7 of 17 right on the evaluation set (Philippe Hammond,
Shinzo Abby), and a missing spelling is better than a wrong one."""

from __future__ import annotations

from .names import lookup_key


class Romaniser:
    def __init__(self, table: dict):
        self.person: dict[str, list[str]] = table["person"]
        self.org: dict[str, list[str]] = table["org"]
        self.surnames: dict[str, str] = table["surnames"]

    def canonical_person(self, name: str) -> str:
        """The key of the well-known full name a lone surname stands for (بوتين -> فلاديمير بوتين), else the name's."""
        k = lookup_key(name)
        return self.surnames.get(k, k) if " " not in k else k

    def spell(self, name: str, entity_type: str) -> tuple[str, str] | None:
        """(latin, source) or None."""
        table = self.person if entity_type == "PERS" else self.org if entity_type == "ORG" else None
        if table is None:
            return None
        found = table.get(self.canonical_person(name) if entity_type == "PERS" else lookup_key(name))
        return (found[0], found[1]) if found else None
