"""The 2-D view: its numbers are the network's own (one forward pass over a grid, through the
same features and standardisation), the heatmap shows the boundary and the samples where they
are, dead units are greyed, links carry the weights' signs; the `v` screen and the keys for
L2, L1 and the batch size work in the running app; snapshots at 120x40."""
from __future__ import annotations

import numpy as np

from core.diagnosis.plane import GRID_H, GRID_W, grid
from core.diagnosis.snapshot import take_snapshot
from core.engine.config import TrainConfig
from core.engine.features import apply_features, transform
from core.engine.playground import make_dataset
from core.engine.trainer import Trainer
from tui_trainer.widgets.plane_colors import DIVERGING, GREYS, LEVELS, link_style
from tui_trainer.widgets.plane_heatmap import DEV, HALF, TRAIN, fit_box, heatmap_lines
from tui_trainer.widgets.plane_network import network_lines

SPIRAL_FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]


def classifier(data, hidden=(4,), steps=0, **kw) -> Trainer:
    cfg = dict(hidden=hidden, hidden_activation="tanh", output_activation="sigmoid", loss="bce", lr=0.5,
               normalize=True, dev_fraction=0.5)
    t = Trainer(TrainConfig(**{**cfg, **kw}), data)
    t.run(steps)
    return t


def view_of(t: Trainer):
    s = take_snapshot(t, with_findings=False)
    return s.problem.plane


def test_the_grid_is_the_networks_own_output_through_features_and_standardisation():
    data = apply_features(make_dataset("spiral", 5, 200, seed=1), SPIRAL_FEATURES)
    t = classifier(data, (5, 3), steps=200)
    v = view_of(t)
    G = grid(v.extent)
    feats = (transform(G, SPIRAL_FEATURES) - t.data.x_mean) / t.data.x_std
    expected = t.predict(feats)[0].reshape(GRID_H, GRID_W)
    np.testing.assert_allclose(v.output, expected, rtol=1e-6, atol=1e-7)
    assert [u.shape for u in v.units] == [(5, GRID_H // 4, GRID_W // 4), (3, GRID_H // 4, GRID_W // 4)]
    # the samples sit on the plane at their raw (x1, x2), the first row of the extent's box
    assert np.array_equal(v.train[:2], data.plane[:, t.split.train_idx])
    a, b, c, d = v.extent
    assert a < data.plane[0].min() and b > data.plane[0].max() and c < data.plane[1].min()
    assert v.classify and (v.centre, v.scale) == (0.5, 0.5)


def test_one_input_data_has_no_2d_view():
    story = Trainer(TrainConfig(), make_dataset("story"))
    assert view_of(story) is None
    plane = Trainer(TrainConfig(output_activation="linear", normalize=True, lr=0.01), make_dataset("plane", 0, 100))
    v = view_of(plane)
    assert v is not None and not v.classify and v.scale > 0.5  # y = (x1 + x2)/10 spans about ±1


def cells(lines):
    """(text, style) per cell of rendered strips."""
    return [[(ch, seg.style) for seg in strip for ch in seg.text] for strip in lines]


def test_the_heatmap_shows_the_boundary_and_every_sample_where_it_lies():
    data = make_dataset("gauss", 0, 120, seed=2)   # class 1 around (2, 2), class 0 around (-2, -2)
    t = classifier(data, steps=300)
    v = view_of(t)
    w, h = 60, 30
    left, top, bw, bh = fit_box(v, w, h)
    grid_cells = cells(heatmap_lines(v, w, h))
    assert len(grid_cells) == h and all(len(r) == w for r in grid_cells)
    body = [row[left:left + bw] for row in grid_cells[top:top + bh]]
    # square pixels: the box keeps the plane's shape
    a, b, c, d = v.extent
    assert abs(bw / (2 * bh) - (b - a) / (d - c)) < 0.1
    # the top right is class 1 (blue end of the scale), the bottom left class 0 (orange end)
    far_high, far_low = body[0][-1], body[-1][0]
    assert far_high[1].bgcolor == DIVERGING[2 * LEVELS] or far_high[0] != HALF
    assert far_low[1].bgcolor == DIVERGING[0] or far_low[0] != HALF
    # somewhere between them the output crosses 0.5: cells in the dark middle of the scale
    middle = {DIVERGING[k] for k in range(LEVELS - 2, LEVELS + 3)}
    assert sum(st.color in middle for row in body for ch, st in row if ch == HALF) > 5
    glyphs = sum(ch in (TRAIN, DEV) for row in body for ch, _ in row)
    assert 20 < glyphs <= 120  # a glyph per occupied cell; neighbours share cells


def test_dead_units_are_grey_and_links_show_the_sign():
    data = make_dataset("circle", 0, 100, seed=3)
    t = classifier(data, hidden=(3,), hidden_activation="relu")
    t.params["b1"][0] = -1e3   # unit 1 is off everywhere: dead
    t.params["W2"][0, 1], t.params["W2"][0, 2] = 2.0, -2.0
    v = view_of(t)
    assert v.dead_units[0].tolist() == [0]
    styles = [st for row in cells(network_lines(v, 56, 30)) for _, st in row]
    greys, colours = set(GREYS), set(DIVERGING)
    assert any(st.color in greys for st in styles if st is not None)          # the dead unit
    assert any(st.color in colours for st in styles if st is not None)        # the live ones
    links = {st for st in styles} & {link_style(sign, k) for sign in (True, False) for k in range(1, LEVELS + 1)}
    assert link_style(True, LEVELS) in links or link_style(False, LEVELS) in links  # the largest, full colour
    assert {st.color.triplet for st in links} & {link_style(True, k).color.triplet for k in range(1, LEVELS + 1)}
    assert {st.color.triplet for st in links} & {link_style(False, k).color.triplet for k in range(1, LEVELS + 1)}


def app_for(t: Trainer, tmp_path):
    from tui_trainer.app import TrainerApp
    return TrainerApp(t, runs_dir=tmp_path / "runs", backend="thread")


async def test_v_opens_the_2d_view_and_the_keys_change_l2_l1_and_the_batch(tmp_path, settle):
    from tui_trainer.screens.plane import PlaneScreen
    t = classifier(make_dataset("xor", 0, 80, seed=1), steps=50)
    app = app_for(t, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, PlaneScreen)
        for key in ("right_square_bracket", "right_square_bracket", "right_curly_bracket", "m", "m", "space"):
            await pilot.press(key)
            await settle(pilot)
        c = t.config
        assert (c.l2, c.l1, c.batch_size, t.batch) == (0.003, 0.001, 4, 4)
        assert [e.name for e in t.events] == ["l2", "l2", "l1", "batch_size", "batch_size"]
        assert t.step_count == 51 and "Mini-batches of 4" in app.screen.notice.text
        assert "acc/dev" in app.screen.query_one("#plane-status").render().plain
        settings = app.screen.query_one("#plane-net").border_subtitle
        assert settings.startswith("L2 0.003 · L1 0.001 · penalty ") and settings.endswith("batch 4, epoch 50.1")  # 50 full-batch epochs, then 1 of 10 updates
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert t.config.l2 == 0.001
        await pilot.press("v")
        await settle(pilot)
        assert not isinstance(app.screen, PlaneScreen)


async def test_v_on_one_input_data_says_why_not(tmp_path, settle, tui_app):
    app = tui_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert app.screen is app.main and "needs two inputs" in app.main.notice.text


def keys_then_settle(settle, *keys):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
    return run_before


def test_snapshot_circle_boundary_points_and_units(snap_compare, settle, tmp_path):
    t = classifier(make_dataset("circle", 10, 300, seed=4), hidden=(4,))
    assert snap_compare(app_for(t, tmp_path), terminal_size=(120, 40),
                        run_before=keys_then_settle(settle, "N", "N", "n", "v"))


def test_snapshot_spiral_with_features_and_three_hidden_layers(snap_compare, settle, tmp_path):
    data = apply_features(make_dataset("spiral", 0, 400, seed=4), SPIRAL_FEATURES)
    t = classifier(data, hidden=(6, 6, 6), lr=0.3, steps=2000)
    assert snap_compare(app_for(t, tmp_path), terminal_size=(120, 40), run_before=keys_then_settle(settle, "v"))


def test_snapshot_xor_relu_with_a_dead_unit_and_mini_batches(snap_compare, settle, tmp_path):
    t = classifier(make_dataset("xor", 10, 300, seed=4), hidden=(5,), hidden_activation="relu", lr=0.3,
                   batch_size=10, l2=0.01, steps=600)
    t.params["b1"][0] = -50.0  # one unit switched off everywhere: its thumbnail is grey
    assert snap_compare(app_for(t, tmp_path), terminal_size=(120, 40), run_before=keys_then_settle(settle, "v"))
