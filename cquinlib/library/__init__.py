"""library: a folder of scheme files, read, validated and modelled.

Owns the model (frozen dataclasses), every URL and output path (urls), the scan of a schemes folder (load), links
followed only inside a library folder (paths), the shared files (shared), the one validation path that check,
build, serve and search all take (validate), attachments' files checked (attachments) and what their bytes are
(sniff, the only user of filetype), the conversion of valid data into the model (convert), the light cards
listings use (cards) and the groupings pages list (catalog).
May import: core, format. Never the site, search, build or the command line.
"""
