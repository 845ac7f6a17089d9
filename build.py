#!/usr/bin/env python3
"""Build the CQUIN scheme library site: python build.py [build|check] [options]."""

import sys

from cquinlib.cli import main

if __name__ == "__main__":
    sys.exit(main())
