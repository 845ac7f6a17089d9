"""cquinlib: turn a folder of CQUIN scheme YAML files into a static website."""

__version__ = "0.1.0"
