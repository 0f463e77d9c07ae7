"""glia against snnTorch and Norse through NIR: a separate stage of .ci/run, run by the
interpreter of a virtual environment that holds the peers (torch 2.13.0 CPU, snntorch, norse,
nir, pytest) and never glia's dependencies, with glia imported from the tree
(PYTHONPATH=<repo>). The README's test command does not collect this folder.

The models and the workarounds for the peers' NIR defects are benchmarks/interop_nir.py's;
docs/nir.md has the figures."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import interop_nir as interop   # noqa: E402  (imports torch, snntorch and nir)

KINDS = ("leaky_zero", "leaky_subtract", "rleaky", "synaptic", "rsynaptic")


@pytest.mark.parametrize("seed", (0, 1))
@pytest.mark.parametrize("kind", KINDS)
def test_snntorch_models_fire_the_same_spikes_in_glia(kind, seed):
    r = interop.snntorch_to_glia(kind, T=300, n_in=20, n_h=40, n_out=10, seed=seed)
    assert r["differing_cells"] == 0, r
    assert 0.05 * r["cells"] < r["spikes_snntorch"] < 0.6 * r["cells"]   # neither silent nor saturated
    if kind != "leaky_zero":    # the reset snnTorch's exporter drops does matter
        assert r["differing_cells_reset_as_exported"] > 100, r


def test_glia_network_fires_the_same_spikes_in_snntorch_and_norse():
    res, graph, X, raster = interop.glia_to_snntorch(n=300, n_s=20, T=1000, seed=0)
    assert res["differing_cells"] == 0, res
    assert raster.sum() > 5000
    assert res["differing_cells_unfixed_import"] > 1000      # the defect worked around is real
    norse = interop.glia_to_norse(graph, X, raster)
    assert norse.get("differing_cells") == 0, norse
