"""`codegen --hvp`: the Hessian-vector product as numpy code (scalar programs)."""

from __future__ import annotations

from ...base.errors import InputError


def hvp_code(graph, lang: str, name: str) -> str:
    if lang != "numpy":
        raise InputError(f"--hvp writes numpy code, not {lang}", "Add --lang numpy.")
    if graph.tensor:
        from .common import scalar_only

        scalar_only(graph, {}, "codegen --hvp")
    from ...transforms.hvp_codegen import generate_hvp

    return generate_hvp(graph, name)
