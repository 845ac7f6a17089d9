"""search: full-text search of the listed schemes, with whoosh.

Owns the analyser (analysis), a scheme's search document and the names it takes from the shared files
(document), analysed documents (terms), topic names matched when a query runs (labels), whoosh's own
index, made on request as the tests' reference (index), queries of it (query), the query language (grammar),
synonyms and topic aliases (synonyms), the command line's engine over the export, search.js's twin (engine),
the static export's statistics (state) and files (export), related schemes (related), and the build's search
stage (stage). The only subpackage that imports whoosh or numpy; its caches are keyed on its code (stage.SEARCH_CODE).
May import: core, format, library.
"""
