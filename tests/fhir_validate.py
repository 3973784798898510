#!/usr/bin/env python3
"""Checks that every *.json file in a folder parses as a FHIR R4 resource with fhir.resources
(6.5.0 = FHIR 4.0.1), a library nobody on this project wrote. Used by the `shared_fhir_bodies`
integration test; install with: pip install -r tests/requirements-fhir.txt
Prints 'N passed, M failed' and exits non-zero when any body is not valid FHIR R4."""
import json, pathlib, sys

from fhir.resources import construct_fhir_element

folder = pathlib.Path(sys.argv[1])
passed = failed = 0
for f in sorted(folder.glob("*.json")):
    data = json.loads(f.read_text())
    try:
        construct_fhir_element(data["resourceType"], data)
        passed += 1
    except Exception as e:  # pydantic ValidationError or KeyError for a missing resourceType
        failed += 1
        print(f"{f.name}: {e}", file=sys.stderr)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or not passed else 0)
