"""`eval --jvp / --hessian / --hvp`: read the directions, ask the API, and print the lines."""

from __future__ import annotations

from ...base.errors import InputError
from ..output import echo


def second_order(result, jvp, hessian, hvp, get, at_kink: bool, fmt: str = "table") -> dict:
    """{"jvp": ..., "hessian": ..., "hvp": ..., "tangents": every node's tangent (--jvp)} for the
    options given (the others None)."""
    from ... import api

    if fmt == "latex":
        raise InputError("--format latex writes the table of values and gradients, without --jvp, --hessian "
                         "or --hvp",
                         "Use --format table, tree or json for them (JSON: the keys jvp, hessian, hvp), "
                         "or -o FILE.npz for arrays.")
    if get:
        raise InputError("--get prints single numbers, without --jvp, --hessian or --hvp",
                         "For one second derivative: --get d2f/dxdy or --get d2f/dx2.")
    out = {"jvp": None, "hessian": None, "hvp": None, "tangents": None}
    if jvp:
        tangents = api.forward_mode(result, api.direction(tangent=jvp, option="--jvp"), "--jvp")
        out["jvp"], out["tangents"] = tangents.jvp, tangents.tangents
    if hvp:
        out["hvp"] = api.hvp(result, api.direction(tangent=hvp, option="--hvp"))
    if hessian:
        out["hessian"] = api.hessian(result)
    if (hessian or hvp) and at_kink:
        echo("Note: second derivatives are undefined at a kink: backprop differentiates the "
             "convention there (the local gradients of relu, abs, max and min are step, sign and "
             "share, flat on both sides, so their derivative is 0)", err=True)
    return out


def write_lines(result, second: dict, digits: int, stream) -> None:
    from ...views.second_order import lines
    from ...views.styled import view_width

    text = lines(result.graph.output_name, second["jvp"], second["hessian"], second["hvp"], digits,
                 view_width(stream=stream))
    stream.write("".join(line + "\n" for line in text))
    stream.flush()


def arrays(out_name: str, second: dict) -> dict:
    """-o FILE.npz: J·v as "jvp", each H·v as "hvp/NAME", and each Hessian entry under the name --get
    takes for it (d2f/dxdy, d2f/dx2)."""
    import numpy as np

    found = {}
    if second["jvp"] is not None:
        found["jvp"] = np.asarray(second["jvp"], dtype=float)
    for name, v in (second["hvp"] or {}).items():
        found[f"hvp/{name}"] = np.asarray(v, dtype=float)
    for a, row in (second["hessian"] or {}).items():
        for b, v in row.items():
            d = f"d{a}2" if a == b and not a[-1].isdigit() else f"d{a}d{b}"
            found[f"d2{out_name}/{d}"] = np.asarray(v, dtype=float)
    return found
