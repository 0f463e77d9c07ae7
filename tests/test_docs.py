"""Every public name is documented with an example; help() is useful."""
import inspect
import pydoc

import glia


def public_objects():
    for name in glia.__all__:
        obj = getattr(glia, name)
        if isinstance(obj, (int, str)):
            continue
        yield name, obj


def test_every_public_name_has_an_example():
    def has_example(doc):
        return "Example" in doc or ">>>" in doc

    missing = [n for n, o in public_objects()
               if not inspect.ismodule(o) and not has_example(inspect.getdoc(o) or "")]
    assert missing == []


def test_public_methods_are_documented():
    missing = []
    for name, obj in public_objects():
        if not inspect.isclass(obj):
            continue
        for m, v in vars(obj).items():
            if m.startswith("_"):
                continue
            if isinstance(v, property) or callable(v):
                doc = v.__doc__ if isinstance(v, property) else inspect.getdoc(getattr(obj, m))
                if not doc:
                    missing.append(f"{name}.{m}")
    assert missing == []


def test_help_network_is_useful():
    text = pydoc.render_doc(glia.Network, renderer=pydoc.plaintext)
    for word in ("run(", "step(", "from_file", "Example", "RuntimeError", "inject"):
        assert word in text
