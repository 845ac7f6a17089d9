"""Fast, safe YAML reading, and finding the line of a field only when a problem is reported."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Union

import yaml

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_FILE_BYTES = 4 * 1024 * 1024
# A scheme is a few thousand values; aliases that expand past this are an attack, not a scheme.
MAX_EXPANDED_VALUES = 200_000

_TAG_NAMES = {"timestamp": "a date", "int": "a whole number", "float": "a number", "bool": "true or false"}

PathPart = Union[str, int]
FieldPath = tuple[PathPart, ...]


@dataclass(frozen=True)
class YamlProblem:
    """A problem found while reading a file, with its 1-based position."""

    line: int
    column: int
    field: str
    message: str


_STR, _MAP, _SEQ, _MERGE = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "map", "seq", "merge"))


class _Unusual(Exception):
    """The document needs PyYAML's full constructor."""


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """libyaml's safe loader, noting duplicate keys instead of silently keeping the last."""

    def __init__(self, stream: str) -> None:
        """Start with no duplicates seen."""
        super().__init__(stream)
        self.duplicates: list[yaml.Node] = []
        self.root: yaml.Node | None = None

    def construct_document(self, node: yaml.Node) -> Any:
        """Build the document with the fast constructor, or PyYAML's own for anything unusual (merge keys)."""
        self.root = node
        try:
            return self._fast(node, {})
        except _Unusual:
            self.duplicates.clear()
            return super().construct_document(node)

    def _fast(self, node: yaml.Node, made: dict[int, Any]) -> Any:
        """Construct plain YAML directly; an alias returns the same object, as PyYAML's constructor does."""
        tag = node.tag
        if tag == _STR:
            return node.value
        known = made.get(id(node))
        if known is not None:
            return known
        if tag == _MAP:
            return self._fast_mapping(node, made)
        if tag == _SEQ:
            items: list[Any] = []
            made[id(node)] = items
            items.extend(self._fast(child, made) for child in node.value)
            return items
        construct = self.yaml_constructors.get(tag) if isinstance(node, yaml.ScalarNode) else None
        if construct is None:
            raise _Unusual
        return construct(self, node)

    def _fast_mapping(self, node: yaml.MappingNode, made: dict[int, Any]) -> dict[Any, Any]:
        """A mapping, noting keys that appear twice."""
        out: dict[Any, Any] = {}
        made[id(node)] = out
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                raise _Unusual
            key = self._fast(key_node, made)
            try:
                present = key in out
            except TypeError:
                raise yaml.constructor.ConstructorError("while constructing a mapping", node.start_mark,
                                                        "found unhashable key", key_node.start_mark) from None
            if present:
                self.duplicates.append(key_node)
            out[key] = self._fast(value_node, made)
        return out

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Construct a mapping, recording any key that appears twice."""
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    self.duplicates.append(key_node)
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)



def _guarded(construct: Callable[[Any, yaml.Node], Any]) -> Callable[[Any, yaml.Node], Any]:
    """Wrap a scalar constructor: a value its tag cannot hold (2010-02-30, !!int abc) is a YAML error at its place."""
    def guarded(loader: Any, node: yaml.Node) -> Any:
        """Construct, or raise a ConstructorError that names the value and where it is."""
        try:
            return construct(loader, node)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
            kind = node.tag.rsplit(":", 1)[-1]
            detail = f": {exc}" if kind == "timestamp" and isinstance(exc, ValueError) else ""
            raise yaml.constructor.ConstructorError(
                None, None, f"'{node.value}' cannot be read as {_TAG_NAMES.get(kind, kind)}{detail}",
                node.start_mark) from exc
    return guarded


# Only scalar constructors can fail on a value; guarding them alone keeps the other 95% of nodes at full speed.
for _kind in ("null", "bool", "int", "float", "binary", "timestamp"):
    _tag = f"tag:yaml.org,2002:{_kind}"
    _Loader.add_constructor(_tag, _guarded(_Loader.yaml_constructors[_tag]))


def format_field(path: FieldPath) -> str:
    """Render ('goals', 1, 'domain') as 'goals[1].domain'."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_yaml(src_path: Path) -> tuple[Any, list[YamlProblem]]:
    """Parse one YAML file; return its data, or None and the problems that stopped it."""
    try:
        raw = src_path.read_bytes()
    except OSError as exc:
        return None, [YamlProblem(1, 1, "", f"cannot read file: {exc.strerror}")]
    if len(raw) > MAX_FILE_BYTES:
        return None, [YamlProblem(1, 1, "", f"file is larger than {MAX_FILE_BYTES // 1048576} MiB")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [YamlProblem(line, column, "", "file is not valid UTF-8 text")]
    return parse_yaml_text(text)


def parse_yaml_text(text: str) -> tuple[Any, list[YamlProblem]]:
    """Parse YAML text safely, refusing duplicate keys and alias bombs."""
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [YamlProblem(line, column, "", f"not valid YAML: {exc.problem or exc.context}")]
    except yaml.YAMLError as exc:
        return None, [YamlProblem(1, 1, "", f"not valid YAML: {exc}")]
    finally:
        loader.dispose()
    problems = [YamlProblem(node.start_mark.line + 1, node.start_mark.column + 1,
                            format_field(_path_to(loader.root, node)),
                            f"key '{node.value}' appears twice in the same mapping") for node in loader.duplicates]
    if "*" in text and "&" in text and not _within_expansion_limit(data):
        return None, [YamlProblem(1, 1, "", "aliases expand to too many values (or refer to themselves); "
                                            "write the values out instead")]
    return data, problems


def _path_to(root: yaml.Node | None, target: yaml.Node) -> FieldPath:
    """The field path of a key node within a document (only walked when a duplicate is reported)."""
    stack: list[tuple[yaml.Node, FieldPath]] = [(root, ())] if root is not None else []
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                name = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
                if key_node is target:
                    return path + (name,)
                stack.append((value_node, path + (name,)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, path + (index,)) for index, child in enumerate(node.value))
    return ()


def _within_expansion_limit(data: Any) -> bool:
    """Count values as if every alias were copied out, without copying; stop past the limit."""
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()

    def size(obj: Any) -> int:
        """Expanded size of obj, memoised by identity so shared aliases cost once."""
        if not isinstance(obj, (dict, list)):
            return 1
        key = id(obj)
        if key in sizes:
            return sizes[key]
        if key in in_progress:
            raise RecursionError
        in_progress.add(key)
        children = obj.values() if isinstance(obj, dict) else obj
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_EXPANDED_VALUES:
                raise RecursionError
        in_progress.discard(key)
        sizes[key] = total
        return total

    try:
        size(data)
    except RecursionError:
        return False
    return True


def locate_all(src_path: Path, paths: list[tuple[FieldPath, bool]]) -> list[tuple[int, int]]:
    """Find the 1-based line and column of each field (its key when at_key), composing the file once."""
    try:
        text = src_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return [(1, 1) for _ in paths]
    return locate_in_text(text, paths)


def locate_in_text(text: str, paths: list[tuple[FieldPath, bool]], first_line: int = 1) -> list[tuple[int, int]]:
    """Like locate_all for YAML text that starts at first_line of its file (front matter)."""
    try:
        root = yaml.compose(text, Loader=_BaseLoader)
    except yaml.YAMLError:
        root = None
    return [(line + first_line - 1, column) for line, column in (_position(root, p, k) for p, k in paths)]


def _position(root: yaml.Node | None, path: FieldPath, at_key: bool) -> tuple[int, int]:
    """Walk a composed document along a field path; stop at the deepest node that exists."""
    if root is None:
        return 1, 1
    node, mark = root, root.start_mark
    for index, part in enumerate(path):
        child, key_node = _child(node, part)
        if child is None:
            break
        last = index == len(path) - 1
        mark = key_node.start_mark if (last and at_key and key_node is not None) else child.start_mark
        node = child
    return mark.line + 1, mark.column + 1


def _child(node: yaml.Node, part: PathPart) -> tuple[yaml.Node | None, yaml.Node | None]:
    """The child node for one step of a path, with its key node when it has one."""
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        for key_node, value_node in reversed(node.value):
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                return value_node, key_node
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part], None
    return None, None
