"""cquinlib: turn a folder of CQUIN scheme YAML files into a static website.

The subpackages, lowest first (each may import only those before it): core, format, library, then search
and site (which never import each other), build, commands. See the README's "Code" section.
"""

__version__ = "0.1.0"
