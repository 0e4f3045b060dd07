"""The trace/tree/graph section of docs/commands.md shows real output.  Its ```console blocks are
run by test_readme.py; here: the example of a missing Graphviz (it needs PATH without dot), the Mermaid
block, and that every view has an example."""

import re

from conftest import ROOT, run

HEADING = "## Seeing the backward pass: trace, tree and graph pictures"


def section():
    """The guide's section on trace, tree and graph pictures."""
    text = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    start = text.index(HEADING)
    end = text.find("\n## ", start + len(HEADING))
    return text[start:end if end >= 0 else None]


def test_the_missing_graphviz_example_is_real_output(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    block = re.search(r"```console\n\$ PATH=/nonexistent backprop graph (-f samples/neuron.bp -o neuron.svg)\n"
                      r"(.*?)\(exit status 1\)\n```", section(), re.S)
    assert block, "docs/commands.md lost its example of a missing Graphviz"
    target = tmp_path / "neuron.svg"
    result = run("graph", "-f", "samples/neuron.bp", "-o", target, env={"PATH": str(tmp_path)})
    assert result.exit_code == 1
    assert result.stderr.replace(str(target), "neuron.svg") == block.group(2)
    assert not target.exists()


def test_readme_mermaid_is_real_output(monkeypatch):
    monkeypatch.chdir(ROOT)
    block = re.search(r"```mermaid\n(.*?)```", section(), re.S).group(1)
    assert run("graph", "-f", "samples/simple.bp", "--format", "mermaid").stdout == block


def test_the_section_has_an_example_of_every_view():
    commands = re.findall(r"^\$ backprop (.*)$", section(), re.M)
    assert any(c.startswith("trace") for c in commands)
    assert any("--format tree" in c for c in commands)
    assert any(c.startswith("graph") for c in commands)
    assert any("--collapse sigmoid" in c for c in commands)


def test_the_pictures_in_docs_show_the_current_graph(monkeypatch):
    # Layout may differ between Graphviz versions; the words and numbers drawn may not.
    import xml.etree.ElementTree as ET

    monkeypatch.chdir(ROOT)
    for name, extra in (("neuron", []), ("neuron-collapsed", ["--collapse", "sigmoid"])):
        assert f"]({name}.svg)" in section()  # docs/commands.md shows docs/<name>.svg
        svg = ET.parse(ROOT / "docs" / f"{name}.svg")
        drawn = sorted(t.text.strip() for t in svg.iter("{http://www.w3.org/2000/svg}text") if t.text)
        dot = run("graph", "-f", "samples/neuron.bp", *extra).stdout
        labels = re.findall(r"label=<([^<>]+)[<>]", dot)  # node labels
        labels += re.findall(r'<FONT[^>]*>([^<]*)</FONT>', dot)  # names, values and gradients
        assert drawn == sorted(labels), \
            f"regenerate: backprop graph -f samples/neuron.bp {' '.join(extra)} -o docs/{name}.svg"
