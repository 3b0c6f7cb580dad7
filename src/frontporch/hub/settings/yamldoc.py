"""Small edits on a ruamel.yaml round-trip document that keep the owner's comments where
they were.

ruamel.yaml stores a comment (and blank lines) that follows a value on the deepest last
node before it: the comment above the next camera belongs, in its model, to the last
value of the camera before. Appending a key after that value, or deleting it, would move
that comment into the middle of the new key, or drop it. `put` and `remove` move the
part of such a comment after its own line's end to the new last node, so the text around
an edit stays as the owner wrote it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

Node = CommentedMap | CommentedSeq


def _is_block(value: object) -> bool:
    return (
        isinstance(value, CommentedMap | CommentedSeq)
        and len(value) > 0
        and not (value.fa.flow_style())
    )


def _last_slot(node: Node) -> tuple[list[Any], int] | None:
    """The comment slot list after the deepest last value of `node`, and its index."""
    if len(node) == 0 or node.fa.flow_style():
        return None
    if isinstance(node, CommentedMap):
        key = list(node.keys())[-1]
        child = node[key]
        if _is_block(child):
            found = _last_slot(child)
            if found is not None:
                return found
        return node.ca.items.setdefault(key, [None, None, None, None]), 2
    index = len(node) - 1
    child = node[index]
    if _is_block(child):
        found = _last_slot(child)
        if found is not None:
            return found
    return node.ca.items.setdefault(index, [None, None, None, None]), 0


def _last_path(node: Node) -> list[Node]:
    """`node` and its deepest last block children, outermost first."""
    path = [node]
    while _is_block(path[-1]):
        last = path[-1]
        child = last[list(last.keys())[-1]] if isinstance(last, CommentedMap) else last[-1]
        if not _is_block(child):
            break
        path.append(child)
    return path


def _with_column(token: CommentToken) -> str:
    """A comment line kept in `ca.end` stores its indentation as the token's column."""
    value: str = token.value
    if value.startswith("#"):
        return " " * token.column + value
    return value


def _take_following(node: Node) -> str | None:
    """Cut what follows the end of the last value's own line (blank lines, comments
    above the next item) from `node`'s trailing comment; return it."""
    for block in reversed(_last_path(node)):
        end = getattr(block.ca, "end", None)
        if end:  # after a flow list as the last item, ruamel keeps it here
            block.ca.end = []
            return "".join(_with_column(token) for token in end)
    found = _last_slot(node)
    if found is None:
        return None
    slot, index = found
    token = slot[index] if index < len(slot) else None
    if token is None:
        return None
    text: str = token.value
    own, newline, rest = text.partition("\n")
    if not newline or not rest:
        return None
    if own.strip():
        token.value = own + "\n"
    else:
        slot[index] = None
    return rest


def _give_following(node: Node, text: str | None) -> None:
    if not text:
        return
    found = _last_slot(node)
    if found is None:
        return
    slot, index = found
    while len(slot) <= index:
        slot.append(None)
    token = slot[index]
    if token is None:
        slot[index] = CommentToken("\n" + text, CommentMark(0), None)
    else:
        own = token.value if token.value.endswith("\n") else token.value + "\n"
        token.value = own + text


def commented(value: object) -> object:
    """Plain dicts and lists as ruamel's commented types (which carry comment slots)."""
    if isinstance(value, dict) and not isinstance(value, CommentedMap):
        return CommentedMap((k, commented(v)) for k, v in value.items())
    if isinstance(value, list) and not isinstance(value, CommentedSeq):
        return CommentedSeq(commented(v) for v in value)
    return value


def put(mapping: CommentedMap, key: str, value: object) -> None:
    """Set `mapping[key]`; a new key goes last, after which the comments that followed
    the old last value stay below the new one."""
    value = commented(value)
    if key in mapping:
        mapping[key] = value
        return
    following = _take_following(mapping)
    mapping[key] = value
    _give_following(mapping, following)


def remove(mapping: CommentedMap, key: str) -> None:
    """Delete `mapping[key]` if there; comments that followed it stay where they were."""
    if key not in mapping:
        return
    keys = list(mapping.keys())
    following = _take_following(mapping) if keys[-1] == key else None
    del mapping[key]
    if following is not None and len(mapping):
        _give_following(mapping, following)


_ANY = object()


def set_path(
    mapping: CommentedMap, keys: Sequence[str], value: object, default: object = _ANY
) -> None:
    """Set `mapping[k1][k2]…` = value, making the missing mappings on the way in one
    `put` (so comments move once, below the whole new block). With `default`, a value
    equal to it is not added where the key is absent (see `set_value`)."""
    node = mapping
    for depth, key in enumerate(keys[:-1]):
        child = node.get(key)
        if not isinstance(child, CommentedMap):
            if default is not _ANY and value == default:
                return
            nested: object = value
            for inner in reversed(keys[depth + 1 :]):
                nested = CommentedMap([(inner, nested)])
            put(node, key, nested)
            return
        node = child
    if default is _ANY:
        put(node, keys[-1], value)
    else:
        set_value(node, keys[-1], value, default)


def set_value(mapping: CommentedMap, key: str, value: object, default: object) -> None:
    """Set a setting, leaving the file as short as it was: a value equal to the model's
    default is not added when the key is absent (it would change nothing)."""
    if key not in mapping and value == default:
        return
    if key in mapping and mapping[key] == value and type(mapping[key]) is type(value):
        return  # keep the owner's spelling (quotes, `yes`) of an unchanged value
    put(mapping, key, value)


def flow_list(items: Iterable[object]) -> CommentedSeq:
    """A list written inline (`[record, detect]`)."""
    seq = CommentedSeq(list(items))
    seq.fa.set_flow_style()
    return seq


def polygon(points: Sequence[tuple[float, float]]) -> CommentedSeq:
    """A polygon as a block list of inline points (`- [0.1, 0.5]`), rounded to 4 places."""
    seq = CommentedSeq()
    for x, y in points:
        seq.append(flow_list([round(float(x), 4), round(float(y), 4)]))
    return seq
