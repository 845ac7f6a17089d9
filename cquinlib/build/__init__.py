"""build: one build of the site from start to finish.

Owns what a build is asked to do (options), the entry point and up-to-date check (pipeline), the stages once
something changed (stages: validate, search, plan, render, write), the search stage as a build runs it, in a
process of its own (searching), the open data (opendata) and the build cache (cache).
May import: core, format, library, search, site.
"""
