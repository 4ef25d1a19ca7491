#!/usr/bin/env python3
"""Writes the TAXII test fixtures in this folder: deterministic STIX 2.1 bundles of our own making.

collection.json: what the test server holds at first (1 identity, 150 indicators, 4 malware,
4 relationships = 159 objects). update.json: what the incremental-sync test adds later
(12 new indicators and a revoked new version of indicator 0 = 13 objects).
Addresses come from the documentation ranges (RFC 5737) and domains from .example.
Run: python3 tests/data/taxii/generate.py
"""
import json
import pathlib
import uuid

HERE = pathlib.Path(__file__).parent
NAMESPACE = uuid.UUID("6f1e3b4e-6a41-4c55-9a0c-3f1c2a7d9e10")
IDENTITY = f"identity--{uuid.uuid5(NAMESPACE, 'identity')}"


def stix_id(kind, name):
    return f"{kind}--{uuid.uuid5(NAMESPACE, name)}"


def indicator(number, modified="2025-09-01T12:00:00.000Z"):
    if number % 3 == 2:
        pattern = f"[domain-name:value = 'c2-{number}.example']"
    else:
        pattern = f"[ipv4-addr:value = '{'198.51.100' if number < 128 else '203.0.113'}.{number % 128}']"
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": stix_id("indicator", f"indicator-{number}"),
        "created_by_ref": IDENTITY,
        "created": "2025-09-01T12:00:00.000Z",
        "modified": modified,
        "name": f"Test indicator {number}",
        "indicator_types": ["malicious-activity"],
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2025-09-01T12:00:00Z",
    }


def bundle(name, objects):
    return {"type": "bundle", "id": stix_id("bundle", name), "objects": objects}


def main():
    identity = {
        "type": "identity",
        "spec_version": "2.1",
        "id": IDENTITY,
        "created": "2025-09-01T12:00:00.000Z",
        "modified": "2025-09-01T12:00:00.000Z",
        "name": "ThreatLens test fixtures",
        "identity_class": "organization",
    }
    indicators = [indicator(number) for number in range(150)]
    malware = [
        {
            "type": "malware",
            "spec_version": "2.1",
            "id": stix_id("malware", f"malware-{number}"),
            "created": "2025-09-01T12:00:00.000Z",
            "modified": "2025-09-01T12:00:00.000Z",
            "name": f"TestFamily{number}",
            "is_family": True,
        }
        for number in range(4)
    ]
    relationships = [
        {
            "type": "relationship",
            "spec_version": "2.1",
            "id": stix_id("relationship", f"relationship-{number}"),
            "created": "2025-09-01T12:00:00.000Z",
            "modified": "2025-09-01T12:00:00.000Z",
            "relationship_type": "indicates",
            "source_ref": indicators[number]["id"],
            "target_ref": malware[number]["id"],
        }
        for number in range(4)
    ]
    first = [identity, *indicators, *malware, *relationships]

    revoked = indicator(0, modified="2025-12-01T08:00:00.000Z")
    revoked["revoked"] = True
    update = [indicator(number) for number in range(150, 162)] + [revoked]

    for name, objects in (("collection", first), ("update", update)):
        text = json.dumps(bundle(name, objects), indent=1) + "\n"
        (HERE / f"{name}.json").write_text(text)


if __name__ == "__main__":
    main()
