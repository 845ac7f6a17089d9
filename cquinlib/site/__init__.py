"""site: the pages and files of the built site.

Owns the content folder (content), what each page reads (inputs) and the page plan (pages: a new page kind is
one function there and one template), rendering with Jinja (render), Markdown made safe (markup), files
published as they are (outputs), and the write stage, the only code that touches the output folder (write).
May import: core, format, library. Never search: the build hands it related lists and search files as data.
"""
