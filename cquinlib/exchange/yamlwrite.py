"""Tidy YAML as a person writes it: keys in the format's order, short mappings and slug lists on one line, text
plain where it reads back the same and quoted where not, paragraphs as literal blocks, comments where asked.

Every scalar is written in the first style that the library's own reader gives back unchanged, and the whole
text is read back and compared before it is returned, so what is written is always exactly the data.
"""

from __future__ import annotations

import json
from typing import Any, Mapping as MappingType, Optional, Sequence

from ..format.spec import ListOf, Mapping, OneOf, Shape
from ..format.yamlio import parse_yaml_text
from .cells import atom_text

LINE = 110  # a flow mapping longer than this is written as a block
_INDICATORS = tuple("-?:,[]{}#&*!|>'\"%@`")


class NotRoundTrip(Exception):
    """The writer made text that does not read back as its data (a bug: nothing is written)."""


def dump(data: MappingType[str, Any], shape: Mapping, header: Sequence[str] = (),
         comments: MappingType[str, Sequence[str]] = {}) -> str:
    """A mapping as YAML text: header comment lines, then each key, a comment block above the keys named."""
    lines = [f"# {line}".rstrip() for line in header]
    body = mapping_lines(data, shape, 0, comments)
    if lines and body and body[0] != "":
        lines.append("")
    text = "\n".join(lines + body) + "\n"
    read, problems = parse_yaml_text(text)
    if problems or read != dict(data):
        raise NotRoundTrip(f"the YAML written does not read back as the data: {problems or 'values differ'}")
    return text


def mapping_lines(data: MappingType[str, Any], shape: Optional[Shape], indent: int,
                  comments: MappingType[str, Sequence[str]] = {}) -> list[str]:
    """The lines of a block mapping at an indent."""
    lines: list[str] = []
    for key in _ordered(data, shape):
        if key in comments:
            if lines:
                lines.append("")
            lines += [f"{' ' * indent}# {c}".rstrip() for c in comments[key]]
        lines += entry_lines(key, data[key], field_shape(shape, key), indent)
    return lines


def entry_lines(key: str, value: Any, shape: Optional[Shape], indent: int) -> list[str]:
    """One key and its value: on one line where it reads well, else as a block below it."""
    pad = " " * indent
    shape = option(shape, value)
    # A file's top-level parts are blocks, as people write them; short mappings and lists below them fit a line.
    if isinstance(value, dict):
        flow = _flow_mapping(value, shape) if indent else None
        if flow is not None and len(pad) + len(key) + len(flow) + 2 <= LINE:
            return [f"{pad}{key}: {flow}"]
        return [f"{pad}{key}:"] + mapping_lines(value, shape, indent + 2)
    if isinstance(value, list):
        flow = _flow_list(value) if indent or not value else None
        if flow is not None and (len(pad) + len(key) + len(flow) + 2 <= LINE or not value):
            return [f"{pad}{key}: {flow}"]
        item = shape.item if isinstance(shape, ListOf) else None
        return [f"{pad}{key}:"] + [line for v in value for line in _item_lines(v, item, indent + 2)]
    plain = scalar(value)
    if plain is not None:
        return [f"{pad}{key}: {plain}"]
    head, body = _block(value)
    return [f"{pad}{key}: {head}"] + [f"{pad}  {line}" if line else "" for line in body]


def _item_lines(value: Any, shape: Optional[Shape], indent: int) -> list[str]:
    """One list item, '- ' and its value."""
    pad = " " * indent
    shape = option(shape, value)
    if isinstance(value, dict):
        flow = _flow_mapping(value, shape)
        if flow is not None and len(pad) + len(flow) + 2 <= LINE:
            return [f"{pad}- {flow}"]
        inner = mapping_lines(value, shape, indent + 2)
        return [f"{pad}- {inner[0].lstrip()}"] + inner[1:] if inner else [f"{pad}- {{}}"]
    if isinstance(value, list):
        flow = _flow_list(value)
        return [f"{pad}- {flow if flow is not None else json.dumps(value, ensure_ascii=False, default=str)}"]
    plain = scalar(value)
    if plain is not None:
        return [f"{pad}- {plain}"]
    head, body = _block(value)
    return [f"{pad}- {head}"] + [f"{pad}  {line}" if line else "" for line in body]


def option(shape: Optional[Shape], value: Any) -> Optional[Shape]:
    """Of a choice of shapes, the one a value takes (a mapping with all its keys, a list, else a scalar), so that
    its keys are written in that shape's order; any other shape as it is."""
    if not isinstance(shape, OneOf):
        return shape
    if isinstance(value, dict):
        maps = [o for o in shape.options if isinstance(o, Mapping)]
        return next((o for o in maps if set(value) <= set(o.keys())), maps[0] if maps else None)
    if isinstance(value, list):
        return next((o for o in shape.options if isinstance(o, ListOf)), None)
    return None


def field_shape(shape: Optional[Shape], key: str) -> Optional[Shape]:
    """The declared shape of a key of a mapping, if the format declares it."""
    if isinstance(shape, Mapping):
        return next((f.shape for f in shape.fields if f.name == key), None)
    return None


def _ordered(data: MappingType[str, Any], shape: Optional[Shape]) -> list[str]:
    """Keys in the format's order, any others after them as they came."""
    declared = list(shape.keys()) if isinstance(shape, Mapping) else []
    return [k for k in declared if k in data] + [k for k in data if k not in declared]


def scalar(value: Any, flow: bool = False) -> Optional[str]:
    """A value on one line, plain where that reads back the same, else quoted; None for text that needs a block."""
    if value is None:
        return "null"
    atom = atom_text(value)
    if atom is not None:
        return atom
    text = str(value)
    if "\n" in text:
        return json.dumps(text, ensure_ascii=False) if flow else None
    return text if _plain(text, flow) else json.dumps(text, ensure_ascii=False)


def _plain(text: str, flow: bool) -> bool:
    """Whether text can be written without quotes and read back as the same text."""
    if not text or text != text.strip() or text.startswith(_INDICATORS) or ": " in text or " #" in text:
        return False
    if text.endswith(":") or (flow and any(ch in text for ch in ",[]{}")):
        return False
    read, problems = parse_yaml_text(f"k: {text}\n")
    return not problems and read == {"k": text}


def _flow_mapping(value: dict[str, Any], shape: Optional[Shape]) -> Optional[str]:
    """A small mapping of scalars on one line, {period: Q4, value: "76%"}, or None."""
    parts = []
    for key in _ordered(value, shape):
        item = value[key]
        if isinstance(item, (dict, list)) or not _plain(key, True):
            return None
        written = scalar(item, flow=True)
        if written is None:
            return None
        parts.append(f"{key}: {written}")
    return "{" + ", ".join(parts) + "}"


def _flow_list(value: list[Any]) -> Optional[str]:
    """A list of short scalars on one line, [falls, vte], or None."""
    if any(isinstance(v, (dict, list)) for v in value):
        return None
    written = [scalar(v, flow=True) for v in value]
    return "[" + ", ".join(w for w in written if w is not None) + "]" if None not in written else None


def _block(text: str) -> tuple[str, list[str]]:
    """A paragraph of text as a literal block (its header and lines), or as a quoted line when a block would not
    read back the same."""
    chomp = "" if text.endswith("\n") and not text.endswith("\n\n") else ("-" if not text.endswith("\n") else "+")
    head = "|" + ("2" if text[:1] in (" ", "\n") else "") + chomp
    body = (text[:-1] if text.endswith("\n") else text).split("\n")
    sample = f"k: {head}\n" + "".join(f"  {line}\n" if line else "\n" for line in body)
    read, problems = parse_yaml_text(sample)
    if not problems and read == {"k": text}:
        return head, body
    return json.dumps(text, ensure_ascii=False), []
