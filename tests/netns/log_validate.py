#!/usr/bin/env python3
"""Validate real `sockwatch log` output against one of docs/schema/.

Usage: log_validate.py SCHEMA_FILE NDJSON_FILE

Every line of NDJSON_FILE must end with a newline, be strict JSON (no NaN or
Infinity) and validate against SCHEMA_FILE (draft-07, formats checked).
Prints each failure with the line; exit 1 if there is any, 0 otherwise.
(tests/log_schema/validate.py does the same for the hand-made samples; this
one takes what a live run wrote.)
"""
import json
import sys

import jsonschema


def main():
    schema_path, data_path = sys.argv[1], sys.argv[2]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    with open(data_path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    failures = 0
    if lines[-1] != b"":
        print(f"FAIL: the file does not end with a newline: {lines[-1][:200]!r}")
        failures += 1
    checked = 0
    for number, raw in enumerate(lines[:-1], 1):
        checked += 1
        try:
            text = raw.decode("utf-8")
            obj = json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
        except ValueError as e:
            failures += 1
            print(f"FAIL line {number}: not strict JSON in UTF-8 ({e}): {raw[:300]!r}")
            continue
        errors = sorted(validator.iter_errors(obj), key=lambda e: list(e.path))
        if errors:
            failures += 1
            print(f"FAIL line {number}:")
            for e in errors:
                print(f"   at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}")
            print(f"   line: {text}")
    print(f"{schema_path}: {checked - failures} lines valid, {failures} failed")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
