#!/usr/bin/env python3
"""Build the CQUIN scheme library site: python build.py [build|check] [options]."""

from cquinlib.commands.cli import run

if __name__ == "__main__":
    run()
