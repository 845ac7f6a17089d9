"""core: building blocks that know nothing of CQUIN.

Owns diagnostics (errors and warnings naming file, line, column and field, each printed on one line), the
control characters no text may hold and their escaping (controls), digests (of bytes, plain values, folders
and the generator's own code), spreading work over forked workers, and the progress line.
May import: nothing else of cquinlib (only the standard library).
"""
