"""The predicate language of `tsh ls --query`, as the sandbox's auth server evaluates it
(split from auth_service.py)."""

from __future__ import annotations

from typing import Any, Callable, Dict, List

from . import gen  # noqa: F401  (gen puts the generated modules on sys.path)
from .auth_nodes import NodeRecord, bad_parameter, match_search

from teleport.legacy.types import types_pb2 as typespb  # noqa: E402

# A small evaluator for the predicate language of `tsh ls --query`
# (lib/services/parser.go NewResourceExpression, on lib/utils/typical): variables
# `name` (a node's hostname), `labels` (labels["k"] or labels.k),
# `resource.metadata.name`, `resource.metadata.labels`, `resource.<json fields>`;
# functions hasPrefix, equals, search, exists, split, contains; operators ==, !=, &&, ||,
# !, parentheses; string literals in "..." or `...`, and true/false.

class _Tok:
    def __init__(self, kind: str, value: Any, pos: int):
        self.kind, self.value, self.pos = kind, value, pos


def _tokenize(src: str) -> List[_Tok]:
    toks: List[_Tok] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c.isspace():
            i += 1
            continue
        two = src[i:i + 2]
        if two in ("==", "!=", "&&", "||"):
            toks.append(_Tok("op", two, i))
            i += 2
            continue
        if c in "()[],.!":
            toks.append(_Tok("op", c, i))
            i += 1
            continue
        if c == '"':
            j, out = i + 1, []
            while j < n and src[j] != '"':
                if src[j] == "\\" and j + 1 < n:
                    esc = src[j + 1]
                    out.append({"n": "\n", "t": "\t", "\\": "\\", '"': '"'}.get(esc, esc))
                    j += 2
                    continue
                out.append(src[j])
                j += 1
            if j >= n:
                raise bad_parameter(f"failed to parse predicate expression: string literal not terminated: {src!r}")
            toks.append(_Tok("str", "".join(out), i))
            i = j + 1
            continue
        if c == "`":
            j = src.find("`", i + 1)
            if j < 0:
                raise bad_parameter(f"failed to parse predicate expression: raw string literal not terminated: {src!r}")
            toks.append(_Tok("str", src[i + 1:j], i))
            i = j + 1
            continue
        if c.isalpha() or c == "_":
            j = i
            while j < n and (src[j].isalnum() or src[j] == "_"):
                j += 1
            toks.append(_Tok("ident", src[i:j], i))
            i = j
            continue
        raise bad_parameter(f"failed to parse predicate expression: unexpected character {c!r} in {src!r}")
    toks.append(_Tok("end", None, n))
    return toks


class _Parser:
    """Parses to a tree of tuples; evaluation happens per node."""

    FUNCS = {"hasPrefix": 2, "equals": 2, "exists": 1, "split": 2, "contains": 2, "search": -1}

    def __init__(self, src: str):
        self.src = src
        self.toks = _tokenize(src)
        self.i = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self, kind: str, value: Any = None) -> _Tok:
        t = self.peek()
        if t.kind != kind or (value is not None and t.value != value):
            raise bad_parameter(f"failed to parse predicate expression {self.src!r}: "
                                f"unexpected {t.value or 'end'!r} at {t.pos}")
        self.i += 1
        return t

    def accept(self, value: str) -> bool:
        t = self.peek()
        if t.kind == "op" and t.value == value:
            self.i += 1
            return True
        return False

    def parse(self):
        tree = self.or_()
        self.take("end")
        return tree

    def or_(self):
        left = self.and_()
        while self.accept("||"):
            left = ("or", left, self.and_())
        return left

    def and_(self):
        left = self.unary()
        while self.accept("&&"):
            left = ("and", left, self.unary())
        return left

    def unary(self):
        if self.accept("!"):
            return ("not", self.unary())
        return self.cmp()

    def cmp(self):
        left = self.primary()
        for op in ("==", "!="):
            if self.accept(op):
                return (op, left, self.primary())
        return left

    def primary(self):
        t = self.peek()
        if self.accept("("):
            inner = self.or_()
            self.take("op", ")")
            return inner
        if t.kind == "str":
            self.i += 1
            return ("lit", t.value)
        if t.kind != "ident":
            raise bad_parameter(f"failed to parse predicate expression {self.src!r}: "
                                f"unexpected {t.value or 'end'!r} at {t.pos}")
        self.i += 1
        if t.value in ("true", "false"):
            return ("lit", t.value == "true")
        if self.accept("("):
            if t.value not in self.FUNCS:
                raise bad_parameter(f"unsupported function: {t.value}")
            args = []
            if not self.accept(")"):
                args.append(self.or_())
                while self.accept(","):
                    args.append(self.or_())
                self.take("op", ")")
            want = self.FUNCS[t.value]
            if (want >= 0 and len(args) != want) or (want < 0 and not args):
                raise bad_parameter(f"function {t.value} called with {len(args)} arguments")
            return ("call", t.value, args)
        path = [t.value]
        index = None
        while True:
            if self.accept("."):
                path.append(self.take("ident").value)
            elif self.accept("["):
                index = self.or_()
                self.take("op", "]")
                break
            else:
                break
        return ("var", path, index)


def _resource_json(s: typespb.ServerV2) -> Dict[str, Any]:
    """The fields reachable as resource.<json path>, named by their gogoproto json tags."""
    spec = s.Spec
    return {
        "kind": s.Kind, "sub_kind": s.SubKind, "version": s.Version,
        "metadata": {"name": s.Metadata.Name, "description": s.Metadata.Description,
                     "labels": dict(s.Metadata.Labels), "revision": s.Metadata.Revision},
        "spec": {"addr": spec.Addr, "hostname": spec.Hostname, "use_tunnel": spec.UseTunnel,
                 "version": spec.Version, "peer_addr": spec.PeerAddr,
                 "proxy_ids": list(spec.ProxyIDs), "public_addrs": list(spec.public_addrs)},
    }


def _eval(node, rec: NodeRecord) -> Any:
    op = node[0]
    if op == "lit":
        return node[1]
    if op in ("and", "or"):
        left = _expect_bool(_eval(node[1], rec))
        if op == "and" and not left:
            return False
        if op == "or" and left:
            return True
        return _expect_bool(_eval(node[2], rec))
    if op == "not":
        return not _expect_bool(_eval(node[1], rec))
    if op in ("==", "!="):
        a, b = _eval(node[1], rec), _eval(node[2], rec)
        if type(a) is not type(b):
            raise bad_parameter(f"operator {op} cannot compare {type(a).__name__} with {type(b).__name__}")
        return (a == b) if op == "==" else (a != b)
    if op == "call":
        name, args = node[1], [_eval(a, rec) for a in node[2]]
        if name == "search":
            return match_search(rec, [_expect_str(a) for a in args])
        if name == "hasPrefix":
            return _expect_str(args[0]).startswith(_expect_str(args[1]))
        if name == "equals":
            return _expect_str(args[0]) == _expect_str(args[1])
        if name == "exists":
            return _expect_str(args[0]) != ""
        if name == "split":
            return _expect_str(args[0]).split(_expect_str(args[1]))
        if name == "contains":
            if not isinstance(args[0], list):
                raise bad_parameter("contains expects a list as its first argument")
            return _expect_str(args[1]) in args[0]
    if op == "var":
        path, index = node[1], node[2]
        key = None if index is None else _expect_str(_eval(index, rec))
        if path == ["name"] and key is None:
            return rec.server.Spec.Hostname
        if path[0] == "labels":
            if key is None and len(path) == 2:
                key = path[1]
            if key is None or len(path) > 2:
                raise bad_parameter(f"identifier {'.'.join(path)} is not defined")
            return rec.labels.get(key, "")
        if path == ["resource", "metadata", "labels"] and key is not None:
            return dict(rec.server.Metadata.Labels).get(key, "")
        if path[0] == "resource" and len(path) > 1:
            value: Any = _resource_json(rec.server)
            for part in path[1:]:
                if not isinstance(value, dict) or part not in value:
                    value = None
                    break
                value = value[part]
            if value is not None and not isinstance(value, dict):
                if key is not None:
                    raise bad_parameter(f"identifier {'.'.join(path)} is not a map")
                return value
        raise bad_parameter(f"identifier {'.'.join(path)} is not defined")
    raise bad_parameter(f"unsupported expression {op}")


def _expect_bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise bad_parameter(f"expected a boolean, got {type(v).__name__}")
    return v


def _expect_str(v: Any) -> str:
    if not isinstance(v, str):
        raise bad_parameter(f"expected a string, got {type(v).__name__}")
    return v


def compile_predicate(expression: str) -> Callable[[NodeRecord], bool]:
    tree = _Parser(expression).parse()

    def run(rec: NodeRecord) -> bool:
        result = _eval(tree, rec)
        if not isinstance(result, bool):
            raise bad_parameter(f"expression {expression!r} does not evaluate to a boolean")
        return result
    return run
