"""format: the scheme format, v1, as data.

Owns the declaration of every file's shape (spec), the checker that walks data against it (shapes), the rules
beyond shape (rules), reading YAML with positions and guards (yamlio), plain scalars typed as YAML 1.2 types
them (scalars), the characters no field may hold (characters), and the JSON Schema made from the same
declaration (jsonschema). A new format rule goes in rules (or spec, for a new key), with a test in
tests/test_rules.py.
May import: core. Reads files only through yamlio, when asked to.
"""
