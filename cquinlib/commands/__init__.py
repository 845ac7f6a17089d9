"""commands: the command line, one module per verb (build, check, serve, search) and the parser (cli).

A new verb is a module here with a run_VERB(args) function, a parser entry in cli, and a row in the README.
May import: everything below it (build, site, search, library, format, core); nothing imports it.
"""
