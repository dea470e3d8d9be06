"""Round-trips a PROV-JSON file through python3-prov (an independent PROV implementation).

Usage: /usr/bin/python3 prov_roundtrip.py <prov.json>
Prints a JSON summary: record counts by PROV-JSON section, element identifiers, relation
ends; and whether serializing the parsed document and parsing it again gives an equal document.
Exits 1 with the error on stderr when prov cannot read the file.
"""
import json
import sys

from prov.model import ProvDocument, ProvElement, ProvRelation


def summary(doc):
    counts = {}
    elements = []
    relations = []
    for record in doc.get_records():
        section = record.get_type().localpart  # Entity, Activity, Usage, Generation, ...
        counts[section] = counts.get(section, 0) + 1
        if isinstance(record, ProvElement):
            elements.append(str(record.identifier))
        elif isinstance(record, ProvRelation):
            ends = [str(value) for _, value in record.formal_attributes[:2]]
            relations.append([section] + ends)
    return {"counts": counts, "elements": sorted(elements), "relations": sorted(relations)}


def main(path):
    with open(path, encoding="utf-8") as f:
        content = f.read()
    doc = ProvDocument.deserialize(content=content, format="json")
    again = ProvDocument.deserialize(content=doc.serialize(format="json"), format="json")
    out = summary(doc)
    out["stable"] = doc == again and summary(again) == out
    out["provn_lines"] = len(doc.get_provn().splitlines())
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
