"""What `backprop codegen` does once its options are read, without click (the click command, codegen.py, and
the fast entry point, entry.py, both call ``run``)."""

from __future__ import annotations

from .common import result_stream


def run(program, lang="python", name="f", fmt="code", out=None, hvp=False):
    from ...transforms.codegen import generate

    loaded = program.load()
    graph = loaded.graph
    if hvp:
        from .codegen_hvp import hvp_code

        text = hvp_code(loaded, lang, name)
    elif graph.tensor and lang == "numpy":
        from ...transforms.tensor_codegen import generate_tensor

        text = generate_tensor(graph, name)
    else:
        loaded.scalar_only(f"codegen --lang {lang}")
        text = generate(graph, lang, name)
    if fmt == "json":
        import json

        text = json.dumps({"language": lang, "function": name, "inputs": list(graph.inputs),
                           "output": graph.output_name, "code": text}, indent=2, ensure_ascii=False) + "\n"
    with result_stream(out, fmt=fmt, command="codegen") as stream:
        stream.write(text)
