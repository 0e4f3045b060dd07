"""`codegen --hvp`: the Hessian-vector product as numpy code (scalar programs)."""

from __future__ import annotations

from ...base.errors import InputError


def hvp_code(program, lang: str, name: str) -> str:
    """``program``: the api.Program loaded."""
    if lang != "numpy":
        raise InputError(f"--hvp writes numpy code, not {lang}", "Add --lang numpy.")
    program.scalar_only("codegen --hvp")
    from ...transforms.hvp_codegen import generate_hvp

    return generate_hvp(program.graph, name)
