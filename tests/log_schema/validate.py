#!/usr/bin/env python3
"""Validate every sample line of `sockwatch log` against docs/schema/.

Usage: validate.py SCHEMA_DIR SAMPLES_BINARY

Each line of the samples binary is "FORMAT NAME JSON". Every line must parse
as strict JSON and validate; every event type must appear in both formats.
The schemas' strictness is checked too: a line with an extra field, or with
a required field removed, must be rejected, so a schema that lets drift
through fails here rather than passing silently.
"""
import copy
import json
import subprocess
import sys

import jsonschema


def main():
    schema_dir, samples = sys.argv[1], sys.argv[2]
    schemas = {}
    for fmt, name in (("native", "log-event.schema.json"), ("ecs", "log-event-ecs.schema.json")):
        with open(f"{schema_dir}/{name}", encoding="utf-8") as f:
            s = json.load(f)
        jsonschema.Draft7Validator.check_schema(s)
        schemas[fmt] = jsonschema.Draft7Validator(s, format_checker=jsonschema.FormatChecker())
    out = subprocess.run([samples], check=True, capture_output=True).stdout
    failures = 0
    seen = {"native": set(), "ecs": set()}
    lines = out.split(b"\n")
    assert lines[-1] == b"", "output does not end with a newline"
    checked = 0
    for raw in lines[:-1]:
        fmt, name, text = raw.decode("utf-8").split(" ", 2)  # must be valid UTF-8
        obj = json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
        errors = sorted(schemas[fmt].iter_errors(obj), key=lambda e: list(e.path))
        checked += 1
        if errors:
            failures += 1
            print(f"FAIL {fmt} {name}:")
            for e in errors:
                print(f"   at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}")
            print(f"   line: {text}")
            continue
        kind = obj["type"] if fmt == "native" else obj["sockwatch"]["type"]
        seen[fmt].add(kind)
        failures += strictness(fmt, name, obj, schemas[fmt])
    for fmt in seen:
        missing = {"open", "state", "close", "overrun", "health"} - seen[fmt]
        if missing:
            failures += 1
            print(f"FAIL {fmt}: no valid sample of type {sorted(missing)}")
    print(f"{checked - failures} passed, {failures} failed")
    return 1 if failures else 0


def strictness(fmt, name, obj, validator):
    """The schema must reject an unknown field and a missing required one."""
    bad = 0
    extra = copy.deepcopy(obj)
    extra["unexpected_field"] = 1
    if validator.is_valid(extra):
        print(f"FAIL {fmt} {name}: schema accepts an unknown top-level field")
        bad = 1
    nested = "owner" if fmt == "native" else "sockwatch"
    if isinstance(obj.get(nested), dict):
        extra = copy.deepcopy(obj)
        extra[nested]["unexpected_field"] = 1
        if validator.is_valid(extra):
            print(f"FAIL {fmt} {name}: schema accepts an unknown field in {nested}")
            bad = 1
    for key in ("timestamp", "type") if fmt == "native" else ("@timestamp", "event"):
        dropped = copy.deepcopy(obj)
        del dropped[key]
        if validator.is_valid(dropped):
            print(f"FAIL {fmt} {name}: schema accepts a line without {key}")
            bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main())
