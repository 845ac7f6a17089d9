"""Fast, safe YAML reading, and finding the line of a field only when a problem is reported."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Union

import yaml

from ..core.diagnostics import quote
from .characters import escaped_problems, written_problems
from .scalars import install

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_FILE_BYTES = 4 * 1024 * 1024
# A scheme is a few thousand values; aliases that expand past this are an attack, not a scheme.
MAX_EXPANDED_VALUES = 200_000
# A scheme nests six deep (goals, a goal, its indicators, one, its milestones, one); parsing recurses per level.
MAX_NESTING = 64

_BRACKET = re.compile(r"[\[\]{}]")

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
            # Text is most of a scheme's values: taken here, without a call per item.
            items.extend(child.value if child.tag == _STR else self._fast(child, made) for child in node.value)
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
            # A key is a name: always the text written (YAML 1.1 would make `on:` a boolean and `010:` eight).
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else self._fast(key_node, made)
            try:
                present = key in out
            except TypeError:
                raise yaml.constructor.ConstructorError("while constructing a mapping", node.start_mark,
                                                        "found unhashable key", key_node.start_mark) from None
            if present:
                self.duplicates.append(key_node)
            out[key] = value_node.value if value_node.tag == _STR else self._fast(value_node, made)
        return out

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        """A node's tag, as PyYAML's resolver gives it to a loader with no path resolvers and no wildcard ones
        (format.scalars installs this loader's resolvers by first character only): libyaml asks for every node of
        every file, and PyYAML's general version was a sixth of composing a scheme."""
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, pattern in self.yaml_implicit_resolvers.get(value[:1], ()):
                    if pattern.match(value):
                        return tag
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Construct a mapping, recording any key that appears twice; keys are text, as on the fast path."""
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    self.duplicates.append(key_node)
                seen.add(key_node.value)
        self.flatten_mapping(node)  # merged keys may be overridden by the mapping's own: not duplicates
        node.value = [(yaml.ScalarNode(_STR, k.value, k.start_mark, k.end_mark) if isinstance(k, yaml.ScalarNode)
                       else k, v) for k, v in node.value]
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
                None, None, f"{quote(node.value)} cannot be read as {_TAG_NAMES.get(kind, kind)}{detail}",
                node.start_mark) from exc
    return guarded


install(_Loader)
if _Loader.yaml_path_resolvers or None in _Loader.yaml_implicit_resolvers:  # what _Loader.resolve leaves out
    raise ImportError("format.yamlio: the YAML loader has path or wildcard resolvers, which its resolve() ignores")
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
    """Parse YAML text safely, refusing control characters, duplicate keys and alias bombs."""
    hidden = written_problems(text)
    if hidden:
        return None, [YamlProblem(p.line, p.column, format_field(p.path), p.message) for p in hidden]
    deep = _too_deep(text)
    if deep is not None:
        return None, [YamlProblem(deep.line + 1, deep.column + 1, "", f"lists and mappings nest more than "
                                                                      f"{MAX_NESTING} levels deep here")]
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [YamlProblem(line, column, "", f"not valid YAML: {exc.problem or exc.context}")]
    except yaml.YAMLError as exc:
        return None, [YamlProblem(1, 1, "", f"not valid YAML: {(str(exc).splitlines() or [''])[0]}")]
    finally:
        loader.dispose()
    hidden = escaped_problems(text, loader.root)
    if hidden:
        return None, [YamlProblem(p.line, p.column, format_field(p.path), p.message) for p in hidden]
    problems = [YamlProblem(node.start_mark.line + 1, node.start_mark.column + 1,
                            format_field(_path_to(loader.root, node)),
                            f"key {quote(node.value)} appears twice in the same mapping") for node in loader.duplicates]
    if "*" in text and "&" in text and not _within_expansion_limit(data):
        return None, [YamlProblem(1, 1, "", "aliases expand to too many values, nest too deeply or refer to "
                                            "themselves; write the values out instead")]
    return data, problems


def _deeply_indented(width: int) -> re.Pattern[str]:
    """A line whose indentation and '- ' or '? ' markers run past width characters (re keeps the compiled
    pattern in its own cache)."""
    return re.compile(rf"^[ ?-]{{{width + 1}}}", re.MULTILINE)


def _flow_depth(text: str) -> int:
    """How deep brackets nest in a text, at most (quoted brackets too: an upper bound of flow nesting)."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(text):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _too_deep(text: str) -> yaml.Mark | None:
    """Where collections first nest past MAX_NESTING, or None. A level of nesting is an open bracket or a line's
    indentation or leading '- ' or '? ', so a text whose brackets and indentation cannot reach the limit together
    (the common case, decided without parsing) does not."""
    flow = _flow_depth(text)
    if flow < MAX_NESTING and _deeply_indented(MAX_NESTING - flow).search(text) is None:
        return None  # no line indents far enough to reach the limit with its brackets at their deepest: two scans
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_BaseLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    return event.start_mark
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as exc:  # libyaml stops at a depth of its own, which is deeper still
        return exc.problem_mark if "nesting" in str(exc.problem) else None
    except yaml.YAMLError:
        return None  # the parse proper reports it
    return None


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
    """Count values as if every alias were copied out, without copying; stop past the limit, or where aliases
    nest collections deeper than MAX_NESTING."""
    sizes: dict[int, tuple[int, int]] = {}
    in_progress: set[int] = set()

    def size(obj: Any) -> tuple[int, int]:
        """Expanded size and depth of obj, memoised by identity so shared aliases cost once."""
        if not isinstance(obj, (dict, list)):
            return 1, 0
        key = id(obj)
        if key in sizes:
            return sizes[key]
        if key in in_progress:
            raise RecursionError
        in_progress.add(key)
        children = obj.values() if isinstance(obj, dict) else obj
        total, deepest = 1, 0
        for child in children:
            count, depth = size(child)
            total, deepest = total + count, max(deepest, depth)
            if total > MAX_EXPANDED_VALUES or deepest >= MAX_NESTING:
                raise RecursionError
        in_progress.discard(key)
        sizes[key] = total, deepest + 1
        return sizes[key]

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
