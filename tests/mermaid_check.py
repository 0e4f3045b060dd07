"""A structural validator for the Mermaid flowcharts `backprop graph --format mermaid` writes.

It accepts the subset of Mermaid's flowchart syntax we emit and rejects anything outside it, with
the rules Mermaid's own grammar imposes on that subset: a `flowchart` header with a direction;
node ids that are words but not keywords; node shapes with balanced brackets; quoted strings with
no raw double quote, no markup but <br/>, and only well-formed entity codes (#quot;, #35;);
edges between defined nodes; classDef/class statements naming defined classes and nodes.
"""

from __future__ import annotations

import re

KEYWORDS = {"end", "graph", "flowchart", "subgraph", "style", "class", "classDef", "click",
            "linkStyle", "direction", "default", "call", "href"}
ID = r"[A-Za-z_][A-Za-z0-9_]*"
STRING = r'"(?P<text>[^"\n]*)"'
SHAPES = {  # opening, closing
    "rect": (r"\[", r"\]"), "circle": (r"\(\(", r"\)\)"), "stadium": (r"\(\[", r"\]\)"),
    "round": (r"\(", r"\)"),
}
NODE = [re.compile(rf"^(?P<id>{ID}){o}{STRING}{c}$") for o, c in SHAPES.values()]
EDGE = re.compile(rf"^(?P<a>{ID}) -->(\|{STRING}\|)? (?P<b>{ID})$")
CLASSDEF = re.compile(rf"^classDef (?P<name>{ID}) (?P<styles>[a-z-]+:[^,\s;]+(,[a-z-]+:[^,\s;]+)*)$")
CLASS = re.compile(rf"^class (?P<ids>{ID}(,{ID})*) (?P<name>{ID})$")
ENTITY = re.compile(r"#([a-z]+|\d+);")


class MermaidError(AssertionError):
    pass


def _check_text(text: str, where: str) -> None:
    rest = ENTITY.sub("", text)
    if "#" in rest:
        raise MermaidError(f"{where}: a '#' that starts no entity code in {text!r}")
    rest = rest.replace("<br/>", "")
    if "<" in rest or ">" in rest:
        raise MermaidError(f"{where}: markup other than <br/> in {text!r}")
    if not text.strip():
        raise MermaidError(f"{where}: empty text")


def parse(source: str) -> dict:
    """The chart's nodes {id: text}, edges [(a, b, text)] and classes; raises MermaidError."""
    lines = [line.strip() for line in source.splitlines()]
    lines = [line for line in lines if line and not line.startswith("%%")]
    if not lines or not re.fullmatch(r"flowchart (LR|RL|TB|TD|BT)", lines[0]):
        raise MermaidError(f"the first line must be 'flowchart DIRECTION', not {lines[:1]}")
    nodes: dict = {}
    edges: list = []
    classdefs: set = set()
    classes: dict = {}
    for n, line in enumerate(lines[1:], start=2):
        where = f"line {n}"
        m = EDGE.match(line)
        if m:
            for end in (m["a"], m["b"]):
                if end not in nodes:
                    raise MermaidError(f"{where}: edge from or to undefined node {end}")
            if m["text"] is not None:  # an edge may have no label
                _check_text(m["text"], where)
            edges.append((m["a"], m["b"], m["text"]))
            continue
        m = CLASSDEF.match(line)
        if m:
            classdefs.add(m["name"])
            continue
        m = CLASS.match(line)
        if m:
            if m["name"] not in classdefs:
                raise MermaidError(f"{where}: class {m['name']} used before classDef")
            for ident in m["ids"].split(","):
                if ident not in nodes:
                    raise MermaidError(f"{where}: class for undefined node {ident}")
                classes[ident] = m["name"]
            continue
        for pattern in NODE:
            m = pattern.match(line)
            if m:
                break
        else:
            raise MermaidError(f"{where}: not a statement of a flowchart: {line!r}")
        ident = m["id"]
        if ident in KEYWORDS or ident.lower() == "end":
            raise MermaidError(f"{where}: {ident} is a keyword, not a node id")
        if ident in nodes:
            raise MermaidError(f"{where}: node {ident} defined twice")
        _check_text(m["text"], where)
        nodes[ident] = m["text"]
    return {"nodes": nodes, "edges": edges, "classes": classes}
