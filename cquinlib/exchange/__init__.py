"""exchange: schemes in and out of the standard template (a spreadsheet, its CSV form, an email carrying either),
tidy commented YAML for imports and scaffolds, and the resemblance check that catches a resubmission.

May import: library, format, core; search and site never import it, nor it them; build publishes the template.
"""
