#!/usr/bin/env python3
"""Check every object of STIX 2.1 bundles against the OASIS STIX 2.1 JSON
schemas (draft 2020-12), offline: every $ref is resolved from the schema
files themselves, never fetched.

usage: stix_schema_check.py SCHEMA_ROOT BUNDLE.json...

SCHEMA_ROOT is the directory holding schemas/common, schemas/sdos,
schemas/sros and schemas/observables. Each object is checked against the
schema of its type (custom "x-" types against common/core.json); the bundle
itself against common/bundle.json without its objects. One line per
failure ("FAIL <file> <object id>: <where>: <message>"), then one summary
line per bundle. Exit status 1 when anything failed or nothing was checked,
2 on a usage or input error.

Needs python3-jsonschema (Debian 12: 4.10, which still has RefResolver;
newer releases keep it, deprecated, and this script silences the warning).
"""
import json
import os
import sys
import warnings

try:
    import jsonschema
except ImportError:
    print("stix_schema_check: python3-jsonschema is not installed", file=sys.stderr)
    sys.exit(2)

KINDS = ("common", "sdos", "sros", "observables")


def load_schemas(root):
    """{type name: schema} and {$id: schema} for every schema file."""
    by_name, store = {}, {}
    base = os.path.join(root, "schemas")
    for kind in KINDS:
        d = os.path.join(base, kind)
        if not os.path.isdir(d):
            raise SystemExit("stix_schema_check: %s is not a directory" % d)
        for f in sorted(os.listdir(d)):
            if not f.endswith(".json"):
                continue
            with open(os.path.join(d, f), encoding="utf-8") as fh:
                s = json.load(fh)
            sid = s.get("$id")
            if not sid:
                raise SystemExit("stix_schema_check: %s/%s has no $id" % (kind, f))
            store[sid] = s
            if kind != "common" or f in ("marking-definition.json", "language-content.json",
                                         "extension-definition.json", "bundle.json",
                                         "core.json"):
                by_name[f[:-5]] = s
    return by_name, store


def validator_for(schema, store):
    cls = jsonschema.validators.validator_for(schema)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        resolver = jsonschema.RefResolver(base_uri=schema["$id"], referrer=schema, store=store)
        return cls(schema, resolver=resolver)


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[3], file=sys.stderr)
        return 2
    by_name, store = load_schemas(argv[1])
    cache = {}

    def check(obj, name):
        if name not in cache:
            cache[name] = validator_for(by_name[name], store)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return sorted(cache[name].iter_errors(obj), key=lambda e: list(e.absolute_path))

    total_fail = 0
    total_checked = 0
    for path in argv[2:]:
        try:
            with open(path, encoding="utf-8") as fh:
                bundle = json.load(fh)
        except (OSError, ValueError) as e:
            print("stix_schema_check: %s: %s" % (path, e), file=sys.stderr)
            return 2
        objs = bundle.get("objects") if isinstance(bundle, dict) else None
        if not isinstance(objs, list):
            print("FAIL %s: not a bundle with objects" % path)
            total_fail += 1
            continue
        fails = 0
        shell = dict(bundle)
        shell["objects"] = []
        for e in check(shell, "bundle"):
            if list(e.absolute_path)[:1] == ["objects"]:
                continue   # the objects are checked one by one below
            print("FAIL %s %s: %s: %s" % (path, bundle.get("id"), "/".join(map(str, e.absolute_path)),
                                          e.message[:300]))
            fails += 1
        for o in objs:
            t = o.get("type") if isinstance(o, dict) else None
            name = t if t in by_name else ("core" if isinstance(t, str) and t.startswith("x-") else None)
            if name is None:
                print("FAIL %s %s: no schema for type %r" % (path, o.get("id") if isinstance(o, dict) else "?", t))
                fails += 1
                continue
            for e in check(o, name):
                print("FAIL %s %s: %s: %s" % (path, o.get("id"), "/".join(map(str, e.absolute_path)) or "-",
                                              e.message[:300]))
                fails += 1
            total_checked += 1
        print("%s: %d objects checked, %d schema failures" % (path, len(objs), fails))
        total_fail += fails
    if total_checked == 0:
        print("stix_schema_check: no objects checked")
        return 1
    return 1 if total_fail else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
