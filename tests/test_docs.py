"""Every public name is documented with an example; help() is useful; the README's code runs
as written and every relative link of the README and docs/ points at a file and heading."""
import importlib
import inspect
import os
import pydoc
import re
import subprocess
import sys
from pathlib import Path

import pytest

import glia


def public_objects():
    for name in glia.__all__:
        obj = getattr(glia, name)
        if isinstance(obj, (int, str, tuple)):   # constants
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


# ---------------------------------------------------------------------------- README and docs pages
ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README] + sorted((ROOT / "docs").glob("*.md"))
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
PRINTS = re.compile(r"#\s→\s(.+)$")          # `print(x)  # → what it prints`


def code_blocks(text: str, language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(text) if lang == language]


def test_readme_blocks_run_from_an_empty_folder(tmp_path):
    """Every ```python block of the README, in order, as one script, from an empty folder
    (glia imported from this checkout, as the README's editable install does); what it
    prints is what the README's `# →` comments say, line for line."""
    blocks = code_blocks(README.read_text(), "python")
    assert blocks, "the README has a quickstart"
    script = "\n".join(blocks)
    expected = [m.group(1).strip() for line in script.splitlines()
                if (m := PRINTS.search(line))]
    assert expected, "the quickstart shows what it prints"
    folder = tmp_path / "empty"
    folder.mkdir()
    (tmp_path / "readme.py").write_text(script)
    # one OpenMP thread: the results are bit-identical at any thread count (test_threads),
    # and two threads on cores the rest of the suite keeps busy only slow this test down
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg", OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(tmp_path / "readme.py")], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert proc.stdout.splitlines() == expected
    assert (folder / "evolution.png").stat().st_size > 0


def test_readme_starts_with_the_demo_then_the_test_command():
    """.ci/run takes the first line of the first ```bash block as the demo command."""
    bash = code_blocks(README.read_text(), "bash")
    assert bash[0].splitlines()[0] == "pip install -e '.[datasets]' && python -m glia demo"
    assert "bash tools/run_tests.sh" in bash[1]
    other = {lang for lang, _ in FENCE.findall(README.read_text())} - {"python", "bash"}
    assert other == set(), "every code block of the README runs: no text or console blocks"


def slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text())
    return {slug(m.group(1)) for m in re.finditer(r"^#+\s+(.+?)\s*$", text, re.M)}


def relative_links(page: Path):
    text = FENCE.sub("", page.read_text())
    text = re.sub(r"`[^`\n]*`", "", text)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if not re.match(r"[a-z]+:", target):
            yield target


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_point_at_files_and_headings(page):
    broken = []
    for target in relative_links(page):
        path, _, fragment = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            broken.append(target)
        elif fragment and dest.suffix == ".md" and fragment not in anchors(dest):
            broken.append(target)
    assert broken == []


def test_every_docs_page_is_linked_from_the_readme():
    linked = {(ROOT / t.partition("#")[0]).resolve() for t in relative_links(README)}
    assert [p.name for p in PAGES[1:] if p.resolve() not in linked] == []


# ---------------------------------------------------------------------------- generated sections
@pytest.fixture
def tables(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    return importlib.import_module("make_readme_table")


def test_generated_sections_live_in_the_docs_pages(tables):
    """The README carries one generated section (its summary tables); each page has its
    markers once."""
    readme = README.read_text()
    assert readme.count("generated by") == 1
    assert tables.PERFORMANCE_DOC == ROOT / "docs" / "performance.md"
    assert tables.THREADS_DOC == ROOT / "docs" / "threads.md"
    for page, start, end in ((tables.PERFORMANCE_DOC, tables.START, tables.END),
                             (tables.THREADS_DOC, tables.FT_START, tables.FT_END),
                             (tables.README, tables.SUM_START, tables.SUM_END)):
        text = page.read_text()
        assert text.count(start) == 1 and text.count(end) == 1
        assert text.index(start) < text.index(end)


def test_readme_summary_renders_both_tables(tables):
    scale = {"threads": 2, "episodes": 2048, "machine": {"git": "abc"},
             "rows": [{"workload": "shd256_10", "side": s, "s_per_epoch": t}
                      for s, t in (("glia", 1.0), ("torch", 3.0), ("jax", 2.0))]}
    tasks = {"rows": [{"trainer": "SurrogateTrainer", "task": "xor", "test_mean": 0.9,
                       "test_min": 0.8, "seconds": 0.1, "note": ""}],
             "runs": [{"seed": 0}, {"seed": 1}]}
    s = tables.sec_readme_summary(scale, tasks)
    assert s.startswith(tables.SUM_START) and s.endswith(tables.SUM_END)
    assert "| `shd256_10` | 1 | 3 | 2 | 3.0× / 2.0× |" in s
    assert "| XOR | 0.90 (0.80), 0.1 s |" in s and "over 2 seeds" in s


def test_performance_section_is_replaced_and_the_page_kept(tables, tmp_path):
    page = tmp_path / "performance.md"
    original = tables.PERFORMANCE_DOC.read_text()
    page.write_text(original)
    all_ = {"machine": {"cpu": "Test CPU", "usable_cores": 3},
            "versions": {"python": "3.x", "numpy": "2.x", "glia": "0"},
            "benchmarks": {"bench_train": {"cls3_one_thread": [{"case": "one epoch", "ms": 1.5}]}}}
    section = tables.performance_section(all_)
    tables.update_section(page, section, tables.START, tables.END)
    text = page.read_text()
    a, b = original.index(tables.START), original.index(tables.END) + len(tables.END)
    assert text == original[:a] + section + original[b:]
    assert "**Test CPU, 3 cores**" in text and "| one epoch | 1.5 |" in text
    tables.update_section(page, section, tables.START, tables.END)
    assert page.read_text() == text                      # idempotent
    new = tmp_path / "new" / "performance.md"
    tables.update_section(new, section, tables.START, tables.END, new_page="# Performance\n\n")
    assert new.read_text() == "# Performance\n\n" + section + "\n"
    bare = tmp_path / "bare.md"
    bare.write_text("no markers\n")
    with pytest.raises(SystemExit, match="markers"):
        tables.update_section(bare, section, tables.START, tables.END)
    assert bare.read_text() == "no markers\n"


def test_free_threaded_table_goes_to_the_threads_page(tables, tmp_path):
    def run(rate1, rate2):
        return {"machine": {"cpu": "Test CPU", "usable_cores": 2, "python": "3.13.5"},
                "repeats": 5,
                "python_threads": [{"case": "a loop", "unit": "steps/s", "window_s": 0.25,
                                    "per_s_1_thread": rate1, "per_s_2_threads": rate2,
                                    "speedup": rate2 / rate1, "speedup_q1": 1.0,
                                    "speedup_q3": 2.0, "foreign_cores": 0.01}]}

    page = tmp_path / "threads.md"
    original = tables.THREADS_DOC.read_text()
    page.write_text(original)
    section = tables.render_free_threaded(run(1e6, 1e6), run(1e6, 2e6))
    tables.update_section(page, section, tables.FT_START, tables.FT_END)
    text = page.read_text()
    assert "| a loop | 1M / 1M steps/s, 1.00× (1.00–2.00) | 1M / 2M steps/s, 2.00× (1.00–2.00) |" in text
    a = original.index(tables.FT_START)
    b = original.index(tables.FT_END) + len(tables.FT_END)
    assert text == original[:a] + section + original[b:]
