"""site: the pages and files of the built site.

Owns the content folder (content), what each page reads (inputs) and the page plan (pages: a new page kind is
one function there and one template; the A to Z index's entries, az), rendering with Jinja (render) and its failures as diagnostics
(failures), Markdown made safe (markup), files published as they are and the _headers file that makes
attachments inert (outputs), and the write stage, the only code that touches the output folder (write: the
manifest it keeps, manifest; a folder worked in without following links, tree; the switch from the old site
to the new, commit).
May import: core, format, library. Never search: the build hands it related lists and search files as data.
"""
