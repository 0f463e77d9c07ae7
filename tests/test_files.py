"""No data lost: saves are atomic (a full disk, a read-only folder or a process killed in the
middle never damage the previous file nor leave half a file), pickles and .net files round
trip bit for bit, and GliaGL-style files (comments, CRLF, tabs, BOM) load."""
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

import glia

ROOT = Path(__file__).resolve().parent.parent


def _text_net(seed=1, h=20):
    return glia.Network.from_string(f"NEWNET S=3 H={h} O=2\nSEED {seed}\n")


def _files(d):
    return sorted(p.name for p in Path(d).iterdir())


# ---------------------------------------------------------------- a write that fails midway
_LIMITED = textwrap.dedent("""
    import resource, signal, sys
    import glia
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)     # a too-large write fails with EFBIG
    limit = int(sys.argv[3])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    net = glia.Network.from_string(sys.argv[2])
    try:
        net.save(sys.argv[1])
    except OSError as e:
        print("OSError", e)
        sys.exit(3)
    print("saved")
""")


def _save_with_file_size_limit(path, text, limit):
    """Saves the network of ``text`` from a child process that may write at most ``limit``
    bytes per file (RLIMIT_FSIZE: the disk is 'full' after that many bytes)."""
    return subprocess.run([sys.executable, "-c", _LIMITED, str(path), text, str(limit)],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.parametrize("limit", [0, 4096, 65536])
def test_failed_write_keeps_the_previous_file(tmp_path, limit):
    small = _text_net(h=5)
    path = tmp_path / "model.net"
    small.save(path)
    before = path.read_bytes()
    big_text = "NEWNET S=3 H=400 O=2\nSEED 1\n"      # ~ 1 MB of .net text
    r = _save_with_file_size_limit(path, big_text, limit)
    assert r.returncode == 3 and "OSError" in r.stdout, r.stdout + r.stderr
    assert "cannot write" in r.stdout
    assert path.read_bytes() == before                 # the previous file is intact ...
    assert _files(tmp_path) == ["model.net"]           # ... and no half file is left
    # a save that fits still works afterwards
    r = _save_with_file_size_limit(path, "NEWNET S=3 H=5 O=2\nSEED 2\n", 1 << 20)
    assert r.returncode == 0 and "saved" in r.stdout
    assert _files(tmp_path) == ["model.net"]


def test_failed_sequence_write_keeps_the_previous_file(tmp_path):
    path = tmp_path / "a.seq"
    seq = glia.InputSequence()
    seq.add_event(0, "S0", 1.0)
    seq.save(path)
    before = path.read_bytes()
    child = textwrap.dedent("""
        import resource, signal, sys
        import glia
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100))
        s = glia.InputSequence()
        for t in range(10000):
            s.add_event(t, "S0", 200.0)
        try:
            s.save(sys.argv[1])
        except OSError:
            sys.exit(3)
    """)
    r = subprocess.run([sys.executable, "-c", child, str(path)], capture_output=True, text=True,
                       timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 3, r.stderr
    assert path.read_bytes() == before and _files(tmp_path) == ["a.seq"]


def test_save_errors_name_the_path(tmp_path):
    with pytest.raises(OSError, match="missing"):
        _text_net().save(tmp_path / "missing" / "x.net")
    (tmp_path / "adir").mkdir()
    with pytest.raises(OSError):
        _text_net().save(tmp_path / "adir")
    assert _files(tmp_path) == ["adir"]


# ---------------------------------------------------------------- killed in the middle of a save
_CHILD = textwrap.dedent("""
    import sys
    import glia
    net = glia.Network.from_string(sys.argv[2])
    print("ready", flush=True)
    while True:
        net.save(sys.argv[1])
""")

_BIG = "NEWNET S=10 H=1500 O=10\nSEED 5\n"        # ~ 250k edges, ~ 8 MB of text


def test_sigkill_during_save_leaves_old_or_new_file(tmp_path):
    """A child process saves a big network over and over; it is SIGKILLed at random
    moments. The file is always the old or the new network, whole, and nothing else is
    left in the folder."""
    path = tmp_path / "model.net"
    old = _text_net()
    old.save(path)
    old_text = path.read_text()
    new_text = glia.Network.from_string(_BIG).to_string()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    rng = np.random.default_rng(0)
    seen = set()
    for trial in range(6):
        if trial % 2 == 0:                       # start from the old file half of the time
            old.save(path)
        p = subprocess.Popen([sys.executable, "-c", _CHILD, str(path), _BIG], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert p.stdout.readline().strip() == b"ready", p.stderr.read().decode()
        time.sleep(float(rng.uniform(0.0, 0.6)))
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert p.returncode == -signal.SIGKILL
        text = path.read_text()
        assert text in (old_text, new_text), f"trial {trial}: a damaged file ({len(text)} bytes)"
        seen.add("old" if text == old_text else "new")
        assert _files(tmp_path) == ["model.net"], f"trial {trial}: left {_files(tmp_path)}"
        glia.Network.from_file(path, verbose=False).validate()
    assert seen, "no trial ran"
    print("sigkill trials ended with", sorted(seen))


# ---------------------------------------------------------------- round trips
def _odd_network():
    """Every kind of float the format must keep: -0, denormals, FLT_MAX, 1/3, huge ids."""
    net = glia.Network()
    net.add_neuron("S0", 100.0, 1.0, 0.0)
    net.add_neuron("S_ünï", np.float32(1 / 3), 0.0, -0.0)
    net.add_neuron("H0", np.finfo(np.float32).max, np.float32(0.1), np.finfo(np.float32).tiny)
    net.add_neuron("H1", -np.finfo(np.float32).max, 1.0, float(np.float32(1e-45)))
    net.add_neuron("O0", 1e-30, 0.999999, -1e30)
    net.add_neuron("N" + "x" * 300, 5.0, 0.5, 0.0)
    w = np.array([1 / 3, -0.0, 1e-45, -np.finfo(np.float32).max, 2.5e-38, 7.0], np.float32)
    net.set_weights(["S0", "S_ünï", "H0", "H1", "O0", "N" + "x" * 300],
                    ["H0", "H1", "O0", "O0", "H0", "S0"], w)
    return net


def _bits(a):
    return np.asarray(a, np.float32).view(np.uint32).tolist()


def _same(a, b):
    assert a.neuron_ids == b.neuron_ids
    sa, sb = a.get_state(), b.get_state()
    for x, y in zip(sa[1:], sb[1:]):
        assert _bits(x) == _bits(y)
    ea, eb = a.edges(), b.edges()
    assert ea[0].tolist() == eb[0].tolist() and ea[1].tolist() == eb[1].tolist()
    assert _bits(ea[2]) == _bits(eb[2])


def test_net_file_round_trips_bit_for_bit(tmp_path):
    net = _odd_network()
    p1, p2 = tmp_path / "a.net", tmp_path / "b.net"
    net.save(p1)
    back = glia.Network.from_file(p1, verbose=False)
    _same(net, back)
    back.save(p2)
    assert p1.read_bytes() == p2.read_bytes()


def test_pickle_round_trips_bit_for_bit_with_state():
    net = _odd_network()
    net.inject("S0", 150.0)
    net.step(2)
    net.inject("H0", 0.25)
    for proto in range(2, pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(net, protocol=proto))
        _same(net, back)
        assert back.to_string() == net.to_string()
        assert back.get_firing_neurons() == net.get_firing_neurons()
        # the same future: the pending input and the fired set came along
        assert _bits(back.run(np.zeros((5, 2)), record=None, trace=back.neuron_ids)) == \
            _bits(net.copy().run(np.zeros((5, 2)), record=None, trace=net.neuron_ids))


def test_sequence_round_trips(tmp_path):
    seq = glia.InputSequence()
    seq.add_event(0, "S0", 1 / 3)
    seq.add_event(7, "S1", -0.0)
    seq.add_event(2147483647, "S0", 1e-45)
    seq.duration = 10
    seq.loop = True
    p1, p2 = tmp_path / "a.seq", tmp_path / "b.seq"
    seq.save(p1)
    back = glia.InputSequence.from_file(p1)
    back.save(p2)
    assert p1.read_bytes() == p2.read_bytes()
    for s in (back, pickle.loads(pickle.dumps(seq))):
        t0, i0, v0 = seq.get_events()
        t1, i1, v1 = s.get_events()
        assert t0.tolist() == t1.tolist() and i0 == i1 and _bits(v0) == _bits(v1)
        assert (s.duration, s.loop) == (10, True)


def test_bad_pickled_arrays_are_refused_not_read_out_of_bounds():
    net = _text_net()
    good = net._get_arrays()
    rebuild = type(net).__reduce__(net)[0]
    for key, bad in [("threshold", good["threshold"][:2]), ("leak", np.zeros(1000, np.float32)),
                     ("dst", good["dst"][:1]), ("weight", good["weight"][:-1]),
                     ("value", good["value"][:3]), ("fired", np.zeros(1, np.uint8)),
                     ("threshold", np.full(len(good["ids"]), np.nan, np.float32))]:
        d = dict(good)
        d[key] = bad
        with pytest.raises(ValueError):
            rebuild(d)
    d = dict(good)
    del d["weight"]
    with pytest.raises(ValueError, match="weight"):
        rebuild(d)
    d = dict(good, src=np.full_like(good["src"], 10**6))
    with pytest.raises(ValueError):
        rebuild(d)
    assert rebuild(dict(good)).to_string() == net.to_string()


# ---------------------------------------------------------------- GliaGL-style files
_CLEAN = ("NEURON S0 100 1 0\nNEURON S1 100 1 0\nNEURON H0 45 0.9 0\nNEURON O0 55 1 0\n"
          "CONNECTION S0 H0 60\nCONNECTION S1 H0 -12.5\nCONNECTION H0 O0 70\n")


@pytest.mark.parametrize("variant", ["crlf", "bom", "tabs", "comments", "all"])
def test_gliagl_layouts_load(tmp_path, variant):
    text = _CLEAN
    if variant in ("comments", "all"):
        text = "# GliaGL network\n\n" + "".join(
            f"{line}   # note {k}\n" if k % 2 else f"{line}#x\n"
            for k, line in enumerate(text.splitlines())) + "# end\n\n"
    if variant in ("tabs", "all"):
        text = "\n".join("\t" + line.replace(" ", "\t \t") for line in text.splitlines()) + "\n"
    if variant in ("crlf", "all"):
        text = text.replace("\n", "\r\n")
    data = text.encode()
    if variant in ("bom", "all"):
        data = b"\xef\xbb\xbf" + data
    p = tmp_path / f"{variant}.net"
    p.write_bytes(data)
    assert glia.Network.from_file(p, verbose=False).to_string() == \
        glia.Network.from_string(_CLEAN).to_string()


def test_gliagl_sequence_layout_loads(tmp_path):
    p = tmp_path / "g.seq"
    p.write_bytes(b"\xef\xbb\xbfDURATION 20\r\nLOOP false  # no loop\r\n\r\n# events\r\n"
                  b"0\tS0\t200\r\nEVENT 5 S1 150 # second\r\n")
    s = glia.InputSequence.from_file(p)
    assert s.duration == 20 and not s.loop
    assert s.events() == [(0, "S0", 200.0), (5, "S1", 150.0)]


def test_no_temporary_files_after_many_saves(tmp_path):
    net = _text_net()
    seq = glia.InputSequence.from_array(np.eye(3, dtype=np.float32))
    for k in range(200):
        net.save(tmp_path / "m.net")
        seq.save(tmp_path / "s.seq")
    assert _files(tmp_path) == ["m.net", "s.seq"]
    tag = uuid.uuid4().hex
    for name in (f"{tag} with spaces.net", f"{tag}-ünïcode.net"):
        net.save(tmp_path / name)
        assert glia.Network.from_file(tmp_path / name, verbose=False).to_string() == net.to_string()


def test_loading_a_large_file_peaks_near_twice_the_network_plus_the_file(tmp_path):
    # 300k CONNECTION lines: the loader keeps no per-line tokens (two passes over the text)
    # and builds the CSR at 16 bytes per edge; measured in a fresh process (peak RSS)
    import subprocess
    import sys
    rng = np.random.default_rng(0)
    n, m = 3000, 300_000
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    lines = [f"NEURON H{i} 1 0.5 0" for i in range(n)]
    lines += [f"CONNECTION H{a} H{b} {w:.3f}" for a, b, w in zip(src, dst, rng.random(m))]
    path = tmp_path / "big.net"
    path.write_text("\n".join(lines) + "\n")
    code = ("import resource, sys, glia\n"
            "r0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "net = glia.Network.from_file(sys.argv[1], verbose=False)\n"
            "r1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "print((r1 - r0) * 1024, net.memory_bytes)\n")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                         check=True, cwd=str(Path(glia.__file__).parent.parent))
    peak, model = map(int, out.stdout.split())
    size = path.stat().st_size
    # ids and the index map, about 100 bytes a neuron, come on top of memory_bytes
    assert peak <= 2 * (model + 100 * n) + size + (2 << 20), (peak, model, size)
