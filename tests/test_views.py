"""Zero-copy array views of a Network: their base is the network, they are read-only and
live, a structural change while one exists raises BufferError and changes nothing, and
copy=True gives an independent copy."""
import gc
import weakref

import numpy as np
import pytest

import glia
from glia._core import VIEW_NAMES


def chain():
    """S0 -> N0 -> O0, each edge strong enough to make its target fire."""
    net = glia.Network(1, 0)
    net.add_neuron("N0", threshold=10.0, leak=0.5, resting=1.0)
    net.add_neuron("O0", threshold=20.0, leak=1.0, resting=0.0)
    net.set_weights(["S0", "N0"], ["N0", "O0"], [15.0, 25.0])
    return net


def test_a_view_is_the_engines_memory_read_only_and_owned_by_the_network():
    net = chain()
    v = net.values
    assert v.dtype == np.float32 and v.shape == (3,) and not v.flags.writeable
    assert isinstance(v.base, memoryview) and v.base.obj is net
    assert v.tolist() == [0.0, 1.0, 0.0] and net.views == 1
    with pytest.raises(ValueError, match="read-only"):
        v[0] = 1.0
    with pytest.raises(ValueError):
        v.flags.writeable = True           # NumPy refuses: the buffer is read-only
    # every name, per neuron or per edge, equal to the copy
    for name in VIEW_NAMES:
        view, copy = net.array(name), net.array(name, copy=True)
        assert view.tobytes() == copy.tobytes() and len(view) == (2 if name == "weights" else 3)
        assert copy.flags.writeable and copy.base is None
    assert net.thresholds.tolist() == [100.0, 10.0, 20.0]
    assert net.leaks.tolist() == [1.0, 0.5, 1.0] and net.resting.tolist() == [0.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="name must be one of 'values'"):
        net.array("value")


def test_views_are_live():
    net = chain()
    v, i, w, thr = net.values, net.currents, net.edge_weights, net.thresholds
    net.inject("S0", 150.0)
    assert i.tolist() == [150.0, 0.0, 0.0]
    net.step()            # S0 fires (150 > 100) and resets; N0: 0.5 * 1 = 0.5
    assert v.tolist() == [0.0, 0.5, 0.0] and i.tolist() == [0.0, 15.0, 0.0]
    net.step()            # N0: 0.25 + 15 = 15.25 > 10 fires, back to 1
    assert v.tolist() == [0.0, 1.0, 0.0] and i.tolist() == [0.0, 0.0, 25.0]
    net.set_weights(["N0"], ["O0"], [3.5])        # an existing edge: in place
    net.set_state(["O0"], [7.0], [0.25])
    assert w.tolist() == [15.0, 3.5] and thr.tolist() == [100.0, 10.0, 7.0]
    net.reset()
    assert v.tolist() == [0.0, 1.0, 0.0]


def structural_changes(tmp_path):
    other = glia.Network(1, 1)
    path = tmp_path / "other.net"
    other.save(path)
    return {
        "add_neuron": lambda net: net.add_neuron("H9"),
        "set_weights (new edge)": lambda net: net.set_weights(["O0"], ["N0"], [1.0]),
        "set_edges (new edge)": lambda net: net.set_edges([2], [0], [1.0]),
        "remove_connection": lambda net: net.remove_connection("S0", "N0"),
        "load": lambda net: net.load(path, verbose=False),
        "_set_arrays": lambda net: net._set_arrays(other._get_arrays()),
    }


@pytest.mark.parametrize("name", VIEW_NAMES)
def test_a_structural_change_under_a_view_raises_buffer_error_and_changes_nothing(name, tmp_path):
    net = chain()
    view = net.array(name)
    before = net._get_arrays()
    for what, change in structural_changes(tmp_path).items():
        with pytest.raises(BufferError, match="1 array view is open"):
            change(net)
        after = net._get_arrays()
        assert {k: np.asarray(v).tobytes() for k, v in after.items() if k != "ids"} == \
            {k: np.asarray(v).tobytes() for k, v in before.items() if k != "ids"}, what
    assert net.remove_connection("O0", "S0") is False      # no such edge: nothing to move
    net.add_neuron("N0", threshold=12.0)                     # an existing neuron: in place
    del view
    gc.collect()
    assert net.views == 0
    for change in structural_changes(tmp_path).values():
        change(net)                                          # free again


def test_a_copy_pins_nothing_and_a_copied_network_has_no_views():
    net = chain()
    c = net.array("weights", copy=True)
    c[0] = -1.0
    assert net.views == 0 and net.edge_weights[0] == 15.0
    v = net.values
    twin = net.copy()
    assert twin.views == 0
    twin.add_neuron("H1")
    del v


def test_a_view_keeps_its_network_alive():
    net = chain()
    ref = weakref.ref(net)
    v = net.values
    del net
    gc.collect()
    assert ref() is not None and v.tolist() == [0.0, 1.0, 0.0]
    del v
    gc.collect()
    assert ref() is None


def test_empty_views():
    net = glia.Network()
    for name in VIEW_NAMES:
        assert net.array(name).shape == (0,)
    net.add_neuron("S0")          # the views above are gone: nothing is pinned
    assert net.values.tolist() == [0.0]


def test_training_under_a_view():
    data = glia.datasets.three_class(n_per_class=4)
    net = glia.datasets.three_class_network()
    w = net.edge_weights
    before = w.copy()
    glia.Trainer(net, glia.create_config(batch_size=4, lr=0.05)).train(data, 1, verbose=False)
    assert not np.array_equal(w, before)                     # the view saw the update
    growing = glia.create_config(batch_size=4, grow_edges=2)
    snapshot = net.to_string()
    with pytest.raises(BufferError, match="grow_edges"):
        glia.Trainer(net, growing).train(data, 1, verbose=False)
    assert net.to_string() == snapshot                       # refused before any change
    pruning = glia.create_config(batch_size=4, prune_epsilon=1e6)   # prunes every edge
    with pytest.raises(BufferError, match="prune edges"):
        glia.Trainer(net, pruning).train(data, 1, verbose=False)
    assert net.num_connections == len(before)
    net.validate()
    del w
    gc.collect()
    glia.Trainer(net, growing).train(data, 1, verbose=False)
    assert net.num_connections > len(before)
