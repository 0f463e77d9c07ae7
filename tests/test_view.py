"""glia.viz.NetworkView: the recording against the engine, the layout, the constructors,
the live callback, and the saved page in a real headless Chromium (tests/chromium.py):
the step and firing set in its DOM against the engine's raster, the controls, a
screenshot, no network request. Chromium is a test dependency (the README's test command
and .ci/run install Debian's ``chromium``); without it the browser tests fail, naming it.
"""
import html
import io
import re
import time

import numpy as np
import pytest

import glia
from glia.viz import LiveView, NetworkView
from glia.viz._layout import layout
from chromium import Browser

HAND = """
NEURON S0 100 1 0
NEURON S1 100 1 0
NEURON H0 90 0 0
NEURON O0 60 1 0
NEURON O1 50 0.5 0
CONNECTION S0 H0 60
CONNECTION S1 H0 60
CONNECTION S0 O1 60
CONNECTION H0 O0 100
"""
#: the hand network's inputs and what fires, worked out from the model (DESIGN §2)
HAND_X = np.array([[150, 0], [150, 150], [0, 0], [0, 0], [0, 0], [0, 0]], np.float32)
HAND_FIRING = [["S0"], ["S0", "S1", "O1"], ["H0", "O1"], ["O0"], [], []]
HAND_LEADER = ["", "O1", "O1", "O1", "O1", "O1"]


@pytest.fixture
def hand():
    return glia.Network.from_string(HAND)


@pytest.fixture(scope="module")
def mid():
    """A generated network and a random input: 88 neurons, 80 steps."""
    net = glia.Network.from_string("NEWNET S=8 H=76 O=4\nW_SCALE 40\nSEED 3\n")
    X = ((np.random.default_rng(0).random((80, 8)) < 0.3) * 150).astype(np.float32)
    return net, X


@pytest.fixture(scope="module")
def browser():
    with Browser() as b:      # FileNotFoundError naming chromium when it is missing
        yield b


def view_state(page):
    return page.evaluate("(() => { const d = document.getElementById('glia-view').dataset;"
                         " return [Number(d.step), d.firing, d.winner]; })()")


def open_page(browser, path, step=None, **kw):
    url = path.as_uri() + ("" if step is None else f"#t={step}")
    page = browser.open(url, **kw)
    page.wait_for("document.getElementById('glia-view').dataset.ready === '1'")
    return page


# ---------------------------------------------------------------- the recording
def test_hand_network_recording(hand):
    before = hand.get_state()
    view = NetworkView(hand, HAND_X)
    assert [view.firing(t) for t in range(6)] == HAND_FIRING
    assert [view.leader(t) for t in range(6)] == HAND_LEADER
    assert view.window == (0, 6)
    raster, values = hand.copy().run(HAND_X, trace=hand.neuron_ids, reset=True)
    assert np.array_equal(view.raster, raster)
    assert np.array_equal(view.values, values)
    # H0 (leak 0) holds 60 after step 1; O1 (leak .5) 0 after firing at 2
    h0, o1 = hand.neuron_ids.index("H0"), hand.neuron_ids.index("O1")
    assert view.values[1, h0] == 60.0 and view.values[2, o1] == 0.0
    after = hand.get_state()      # the network itself was not run
    assert all(np.array_equal(a, b) for a, b in zip(before[1:], after[1:]))
    assert not view.raster.flags.writeable


def test_decision_window_and_leader(hand):
    cfg = glia.TrainingConfig(warmup_ticks=2, decision_window=2)
    view = NetworkView(hand, HAND_X, config=cfg)
    assert view.window == (2, 4)
    # before the window: none; in it O1 fires at 2 and O0 at 3 (a tie: the first output)
    assert [view.leader(t) for t in range(6)] == ["", "", "O1", "O0", "O0", "O0"]


def test_from_raster_events_and_tuple(hand):
    ref = NetworkView(hand, HAND_X)
    net = hand.copy()
    rec = net.run(HAND_X, trace=hand.neuron_ids, reset=True)
    a = NetworkView.from_raster(hand, rec)                           # (raster, values)
    net.reset()
    steps, neurons, values = net.run(HAND_X, record="events", trace=hand.neuron_ids)
    b = NetworkView.from_raster(hand, (steps, neurons), values)      # events
    assert np.array_equal(NetworkView.from_raster(hand, (steps, neurons, values)).values, values)
    c = NetworkView.from_raster(hand, ref.raster)                    # no values
    for v in (a, b, c):
        assert np.array_equal(v.raster, ref.raster)
    assert np.array_equal(a.values, ref.values) and np.array_equal(b.values, ref.values)
    assert c.values is None
    assert a.to_html() == ref.to_html()


def test_from_episode_runs_what_training_runs():
    data = glia.datasets.three_class(n_per_class=2, ticks=30)
    net = glia.datasets.three_class_network()
    cfg = glia.TrainingConfig(warmup_ticks=5, decision_window=20)
    view = NetworkView.from_episode(net, data, 1, config=cfg)
    assert view.num_steps == 25 and view.window == (5, 25)
    m = glia.Trainer(net.copy(), cfg).evaluate(data[1])
    assert view.title == f"target {data[1].target_id} · decided {m.winner_id or 'none'}"
    assert view.decided == m.winner_id
    expect = net.copy().run(data[1].array[:25], reset=True)
    assert np.array_equal(view.raster, expect)
    # the leader at the last step is the engine's winner for this episode
    assert m.winner_id and view.leader(24) == m.winner_id
    # default config: the whole input, from a sequence episode too
    seq = glia.InputSequence.from_array(data[0].array)
    v2 = NetworkView.from_episode(net, glia.EpisodeData(seq, "O0"))
    assert v2.num_steps == 30 and np.array_equal(v2.raster, net.copy().run(data[0].array, reset=True))


def test_bad_input_is_named(hand):
    with pytest.raises(TypeError, match="net must be a glia.Network"):
        NetworkView("net.net", HAND_X)
    with pytest.raises(ValueError, match="inputs must have shape"):
        NetworkView(hand, np.zeros(6))
    with pytest.raises(ValueError, match=r"raster must have shape \(T, 5\)"):
        NetworkView.from_raster(hand, np.zeros((6, 4), bool))
    with pytest.raises(ValueError, match="values must have shape"):
        NetworkView.from_raster(hand, np.zeros((6, 5), bool), np.zeros((5, 5)))
    with pytest.raises(ValueError, match="at least one row"):
        NetworkView(hand, np.zeros((0, 2)))
    with pytest.raises(ValueError, match="max_edges"):
        NetworkView(hand, HAND_X, max_edges=-1)
    with pytest.raises(IndexError, match="index 9"):
        NetworkView.from_episode(hand, glia.Dataset([glia.EpisodeData()]), 9)
    with pytest.raises(ValueError, match=r"inputs must be a real \(T, 2\) array"):
        NetworkView.live(hand, np.zeros((6, 3)))
    with pytest.raises(ValueError, match="every"):
        NetworkView.live(hand, HAND_X, every=0)


def test_layout_layers_and_determinism(mid):
    net, _ = mid
    src, dst, w = net.edges()
    kind = np.array([0 if i.startswith("S") else 2 if i.startswith("O") else 1
                     for i in net.neuron_ids], np.int8)
    p1, cell = layout(kind, np.asarray(src, np.int64), np.asarray(dst, np.int64), w, seed=4)
    p2, _ = layout(kind, np.asarray(src, np.int64), np.asarray(dst, np.int64), w, seed=4)
    p3, _ = layout(kind, np.asarray(src, np.int64), np.asarray(dst, np.int64), w, seed=5)
    assert np.array_equal(p1, p2) and not np.array_equal(p1, p3)
    assert ((p1 >= 0) & (p1 <= 1)).all() and 0 < cell <= 1
    # sensory left of every hidden neuron, hidden left of every output
    assert p1[kind == 0, 0].max() < p1[kind == 1, 0].min()
    assert p1[kind == 1, 0].max() < p1[kind == 2, 0].min()
    assert len({tuple(p) for p in p1}) == len(p1)        # no two neurons on one spot
    # sensory neurons keep their id order top to bottom
    assert (np.diff(p1[kind == 0, 1]) > 0).all()


def test_edges_thinned_to_the_strongest(mid):
    net, X = mid
    view = NetworkView(net, X, max_edges=50)
    src, dst, w = view._edges
    all_w = np.abs(net.edges()[2])
    assert w.size == 50 and np.abs(w).min() >= np.sort(all_w)[-50]


# ---------------------------------------------------------------- the page, offline
def test_page_is_self_contained(mid):
    net, X = mid
    view = NetworkView(net, X)
    inline = view._repr_html_()
    assert inline.startswith("<iframe srcdoc=") and "<script" not in inline.split('srcdoc="')[0]
    page = html.unescape(re.search(r'srcdoc="([^"]*)"', inline).group(1))
    assert page == view.to_html()
    for text in (inline, page):
        assert not re.search(r"https?:|\bsrc\s*=|\bhref\s*=|@import|url\(|\bimport\s*[{(\"'*]",
                             text), "the page must not refer to anything outside itself"
    assert page.count("<script") == 2          # the data and the module


# ---------------------------------------------------------------- in Chromium
def test_dom_matches_engine_raster(browser, tmp_path, mid):
    net, X = mid
    raster = net.copy().run(X, reset=True)
    view = NetworkView(net, X)
    path = view.save_html(tmp_path / "run.html")
    ids = net.neuron_ids
    page = open_page(browser, path, 0)
    try:
        for t in (0, 1, 12, 47, 79):
            page.evaluate(f"location.hash = '#t={t}'")
            page.wait_for(f"document.getElementById('glia-view').dataset.step === '{t}'")
            step, firing, winner = view_state(page)
            assert step == t
            assert firing.split() == [ids[i] for i in np.flatnonzero(raster[t])]
            assert winner == view.leader(t)
        assert raster[12].any() and raster[47].any()
    finally:
        page.close()
    for t in (12, 500):     # opened at the fragment's step (beyond the end: the last step)
        page = open_page(browser, path, t)
        try:
            step, firing, _ = view_state(page)
            s = min(t, 79)
            assert step == s and firing.split() == [ids[i] for i in np.flatnonzero(raster[s])]
        finally:
            page.close()


def test_inline_frame_plays(browser, tmp_path, hand):
    """The notebook form (an iframe whose srcdoc is the page, sandboxed) in a host page."""
    host = tmp_path / "notebook.html"
    host.write_text("<!DOCTYPE html><html><body><p>a notebook cell's output:</p>"
                    + NetworkView(hand, HAND_X)._repr_html_() + "</body></html>")
    page = browser.open(host.as_uri())
    try:
        page.wait_for("document.querySelector('iframe') !== null")

        def in_frame(expr):
            """``expr`` in the frame's document (None until it has loaded). A sandboxed
            frame has an opaque origin, so Chromium runs it as a target of its own."""
            frames = [t for t in browser.send("Target.getTargets")["targetInfos"]
                      if t["type"] == "iframe" and t["url"] == "about:srcdoc"]
            if not frames:
                return None
            session = browser.send("Target.attachToTarget", {"targetId": frames[0]["targetId"],
                                                             "flatten": True})["sessionId"]
            r = browser.send("Runtime.evaluate", {"expression": expr, "returnByValue": True},
                             session)
            return r["result"].get("value")

        deadline = time.monotonic() + 20
        while in_frame("document.getElementById('glia-view')?.dataset.ready") != "1":
            assert time.monotonic() < deadline, "the inline player never became ready"
            time.sleep(0.05)
        assert in_frame("[document.getElementById('glia-view').dataset.step,"
                        " document.getElementById('glia-view').dataset.firing]") == ["0", "S0"]
        assert in_frame("document.getElementById('glia-view').dataset.error") is None
    finally:
        page.close()


def test_hand_network_in_the_browser(browser, tmp_path, hand):
    path = NetworkView(hand, HAND_X).save_html(tmp_path / "hand.html")
    for t, expected in enumerate(HAND_FIRING):
        page = open_page(browser, path, t)
        try:
            assert view_state(page) == [t, " ".join(expected), HAND_LEADER[t]]
        finally:
            page.close()


def test_controls_move_the_step(browser, tmp_path, mid):
    net, X = mid
    raster = net.copy().run(X, reset=True)
    path = NetworkView(net, X).save_html(tmp_path / "run.html")
    page = open_page(browser, path, 5)
    try:
        page.click("#glia-next")
        assert view_state(page)[0] == 6
        page.click("#glia-prev")
        page.click("#glia-prev")
        assert view_state(page)[0] == 4
        assert page.evaluate("location.hash") == "#t=4"       # the link to this step
        page.click("#glia-canvas")                            # focus, then the keyboard
        page.key("ArrowRight", "ArrowRight", 39)
        assert view_state(page)[0] == 5
        page.evaluate("(() => { const s = document.getElementById('glia-scrub'); s.value = 33;"
                      " s.dispatchEvent(new Event('input')); })()")
        assert view_state(page)[0] == 33
        page.evaluate("(() => { const s = document.getElementById('glia-speed'); s.value = '250';"
                      " s.dispatchEvent(new Event('change')); })()")
        page.click("#glia-play")
        page.wait_for("document.getElementById('glia-view').dataset.step === '79'")
        assert page.evaluate("gliaView.playing") is False      # stopped at the end
        assert page.evaluate("document.getElementById('glia-play').textContent") == "play"
        step, firing, _ = view_state(page)
        assert firing.split() == [net.neuron_ids[i] for i in np.flatnonzero(raster[step])]
        page.click("#glia-play")                               # from the end: starts over
        page.wait_for("gliaView.step < 79")
        page.click("#glia-play")                               # pause
        stopped = view_state(page)[0]
        assert page.evaluate("gliaView.playing") is False and view_state(page)[0] == stopped
    finally:
        page.close()


def test_hover_and_click_show_a_neuron(browser, tmp_path, hand):
    path = NetworkView(hand, HAND_X).save_html(tmp_path / "hand.html")
    page = open_page(browser, path, 1)
    try:
        x, y = page.evaluate("gliaView.where('H0')")
        page.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
        tip = page.wait_for("!document.getElementById('glia-tip').hidden && "
                            "document.getElementById('glia-tip').textContent")
        assert tip.splitlines() == ["H0 (hidden)", "threshold 90   leak 0", "value 60"]
        for kind in ("mousePressed", "mouseReleased"):
            page.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y,
                                                   "button": "left", "clickCount": 1})
        assert page.evaluate("gliaView.selected") == "H0"
    finally:
        page.close()


def _png_pixels(data: bytes) -> np.ndarray:
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), np.float64)


def test_screenshot_is_a_picture(browser, tmp_path, mid):
    net, X = mid
    path = NetworkView(net, X).save_html(tmp_path / "run.html")
    page = open_page(browser, path, 12, width=900, height=700)
    try:
        box = page.evaluate("(() => { const r = document.getElementById('glia-canvas')"
                            ".getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })()")
        a = _png_pixels(page.screenshot())
        page.click("#glia-next")
        b = _png_pixels(page.screenshot())
    finally:
        page.close()
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    region = a[y0:y1, x0:x1]
    assert region.shape[0] > 300 and region.shape[1] > 800
    assert region.std(axis=(0, 1)).mean() > 10            # not one flat colour
    assert len(np.unique(region.reshape(-1, 3), axis=0)) > 50
    changed = np.abs(a[y0:y1, x0:x1] - b[y0:y1, x0:x1]).sum(axis=2) > 0
    assert changed.mean() > 0.001                          # the next step looks different


def test_no_network_request(browser, tmp_path, mid):
    net, X = mid
    path = NetworkView(net, X).save_html(tmp_path / "run.html")
    page = browser.open("about:blank")
    try:
        page.send("Network.enable")
        page.send("Network.emulateNetworkConditions", {"offline": True, "latency": 0,
                                                       "downloadThroughput": -1,
                                                       "uploadThroughput": -1})
        page.send("Page.navigate", {"url": path.as_uri() + "#t=3"})
        page.wait_for("document.getElementById('glia-view').dataset.ready === '1'")
        assert view_state(page)[0] == 3
        urls = [e["params"]["request"]["url"] for e in browser._events
                if e.get("method") == "Network.requestWillBeSent" and e.get("sessionId") == page.session]
        assert urls and all(u.startswith(path.as_uri()) for u in urls), urls
    finally:
        page.close()


def test_large_run_uses_quantised_values(browser, tmp_path):
    """2,000 neurons x 200 steps: past EXACT_VALUES_LIMIT, so values travel as 16 levels."""
    net = glia.Network.from_string("NEWNET S=40 H=1950 O=10\nDENSITY S->H 0.1\nDENSITY H->H 0.005\n"
                                   "DENSITY H->O 0.05\nW_SCALE 30\nSEED 1\n")
    X = ((np.random.default_rng(1).random((200, 40)) < 0.2) * 150).astype(np.float32)
    view = NetworkView(net, X)
    assert view.values.size > glia.viz.view.EXACT_VALUES_LIMIT
    path = view.save_html(tmp_path / "big.html")
    page = open_page(browser, path, 150)
    try:
        step, firing, _ = view_state(page)
        assert step == 150 and firing.split() == view.firing(150) and firing
        assert page.evaluate("gliaView.neurons") == 2000 and page.evaluate("gliaView.steps") == 200
    finally:
        page.close()


# ---------------------------------------------------------------- live
def test_live_view_costs_nothing_unless_shown(tmp_path):
    data = glia.datasets.three_class(n_per_class=4, ticks=30)
    net = glia.datasets.three_class_network()
    cfg = glia.create_config(lr=0.05, batch_size=4, warmup_ticks=5, decision_window=20)
    hidden = NetworkView.live(net, data[0].array)
    glia.Trainer(net, cfg).train(data, epochs=2, on_epoch=hidden, verbose=False)
    assert hidden.updates == 0 and hidden.view is None
    path = tmp_path / "live.html"
    live = NetworkView.live(net, data[0].array, path=path, every=2)
    glia.Trainer(net, cfg).train(data, epochs=4, on_epoch=live, verbose=False)
    assert live.updates == 2                           # epochs 1 and 3 (every 2nd)
    assert live.view.title.startswith("epoch 3: accuracy ")
    assert np.array_equal(live.view.raster, net.copy().run(data[0].array, reset=True))
    assert "epoch 3: accuracy" in path.read_text()


def test_live_view_follows_evolution(tmp_path):
    train, val = glia.datasets.three_class(n_per_class=4, ticks=30).split(0.5, seed=0)
    net = glia.datasets.three_class_network()
    cfg = glia.create_config(lr=0.05, batch_size=4, warmup_ticks=5, decision_window=20)
    evo = glia.EvolutionConfig(population=3, generations=2, elite=1, parents_pool=2,
                               train_epochs=0, sigma_w=0.5, seed=3)
    live = LiveView(net, val[0].array, path=tmp_path / "evo.html")
    result = glia.Evolution(net, train, val, cfg, evo).run(on_generation=live, verbose=False)
    assert live.updates == 2
    assert live.view.title.startswith("generation 1: fitness ")
    best = result.best_genome
    assert np.array_equal(live.view.raster, best.copy().run(val[0].array, reset=True))


