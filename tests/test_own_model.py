"""`tui-trainer --model PATH`: training with a learner's own functions (core/diagnosis/own_code/
own_trainer.py, tui_trainer/own_model.py), headless and in the TUI (Textual's Pilot).

The learner's file runs in a child process; these tests use the examples and copies of them
with one line changed: a correct file trains exactly as the engine does, the story's file is
caught at the step and tensor where it leaves the reference, and a file that raises, loops
forever, returns a wrong shape or does not compile stops training with a message that names
the line in the learner's file."""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from core.diagnosis.findings import diagnose
from core.diagnosis.evaluation import evaluate
from core.diagnosis.own_code.own_step import OwnModel
from core.diagnosis.own_code.own_trainer import STOPPED, FixedByFile, OwnTrainer
from core.engine.config import TrainConfig
from core.engine.data import story_problem
from core.engine.playground import make_dataset
from core.engine.trainer import Trainer
from tui_trainer.cli import build_parser, main
from tui_trainer.own_model import own_tui

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
COURSE, STORY_OK, STORY_BAD = (EXAMPLES / n for n in ("course_correct.py", "story_correct.py", "story_mistakes.py"))
CIRCLE = TrainConfig(output_activation="sigmoid", loss="bce", lr=0.5, normalize=True)
STORY = TrainConfig(output_activation="linear", loss="mse", lr=5e-5)


def circle():
    return make_dataset("circle", 0.0, None, 4)


def losses(t) -> np.ndarray:
    return t.history.rows()[:, t.history.col["loss"]]


def variant(tmp_path, source: Path, old: str, new: str, name: str = "mine.py") -> Path:
    text = source.read_text()
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


# ---- the loss curve: the learner's correct code is the engine ---------------------------------

@pytest.mark.parametrize("source, config, data", [(COURSE, CIRCLE, circle), (STORY_OK, STORY, story_problem)],
                         ids=["course_cross_entropy", "story_mse"])
def test_correct_code_trains_with_the_engines_loss_curve(source, config, data):
    own, engine = OwnTrainer(config, data(), OwnModel(source)), Trainer(config, data())
    try:
        own.run(300)
        engine.run(300)
        assert own.step_count == 300 and own.status == "ok" and own.divergence is None
        rel = np.abs(losses(own) - losses(engine)) / np.abs(losses(engine))
        assert rel.max() < 1e-10
        np.testing.assert_allclose(own.flat.theta, engine.flat.theta, rtol=1e-9, atol=1e-12)
        assert "own_code_differs" not in [f.code for f in diagnose(own, evaluate(own), check_cures=False)]
    finally:
        own.model.close()


def test_story_mistakes_leave_the_reference_at_step_0_in_dW2():
    t = OwnTrainer(STORY.with_(output_activation="relu"), story_problem(), OwnModel(STORY_BAD))
    try:
        assert t.run(50, lambda: False) == 0 and t.step_count == 0  # a watched run stops at θ of that step
        d = t.divergence
        assert (d.step, d.function, d.tensor, d.likely_mistake) == (0, "L_model_backward", "dW2", "dAL_from_activation")
        assert d.max_abs_error > 1e3 and f"story_mistakes.py:{line_of(STORY_BAD, 'return grads')}" in d.returned_at
        finding = next(f for f in diagnose(t, evaluate(t), check_cures=False) if f.code == "own_code_differs")
        assert finding.message.startswith("step 0: your L_model_backward") and "dW2 differs" in finding.message
        assert finding.evidence["tensor"] == "dW2"
        assert t.run(50) == 50  # then it trains on, with the learner's (wrong) gradient
        assert losses(t)[-1] > losses(t)[0]  # the story: the loss climbs
    finally:
        t.model.close()


# ---- the learner's code failing: a message naming the line, never a traceback ----------------

def stopped(path: Path, config=STORY, time_limit: float = 2.0) -> str:
    t = OwnTrainer(config, story_problem(), OwnModel(path, display=path.name, time_limit=time_limit))
    try:
        t.run(5)
        assert t.status == STOPPED and t.step_count == 0
        assert "Traceback" not in t.diverged_reason and "own_code" not in t.diverged_reason
        return t.diverged_reason
    finally:
        t.model.close()


def test_an_exception_names_the_function_file_and_line(tmp_path):
    path = variant(tmp_path, STORY_OK, "    m = A_prev.shape[1]\n", "    m = A_prev.shape[1] * 0\n    m = 1 / m\n")
    reason = stopped(path)
    # the step function it was called from, and the line deepest in the learner's file
    assert f"L_model_backward: ZeroDivisionError: division by zero at mine.py:{line_of(path, 'm = 1 / m')} `m = 1 / m`" in reason


def test_an_endless_loop_is_ended_by_the_time_limit_with_its_line(tmp_path):
    path = variant(tmp_path, STORY_OK, "    m = Y.shape[1]\n", "    m = Y.shape[1]\n    while m:\n        m += 1\n")
    reason = stopped(path, time_limit=0.5)
    assert "no answer within 0.5 s" in reason and "an infinite loop?" in reason
    assert f"mine.py:{line_of(path, 'm += 1')}" in reason or f"mine.py:{line_of(path, 'while m:')}" in reason


def test_a_wrong_shape_names_the_expected_shape_and_the_line(tmp_path):
    path = variant(tmp_path, STORY_OK, "np.sum(dZ, axis=1, keepdims=True)", "np.sum(dZ, axis=1)")
    reason = stopped(path)
    assert "L_model_backward returned grads['db1'] with shape (10,), expected shape (10, 1) (the shape of b1)" in reason
    assert f"returned at mine.py:{line_of(path, 'return grads')} `return grads`" in reason


def test_a_file_that_ends_the_process_or_returns_nothing(tmp_path):
    path = variant(tmp_path, STORY_OK, "    m = Y.shape[1]\n", "    m = Y.shape[1]\n    import os; os._exit(3)\n")
    assert stopped(path).endswith("step 0: the process running it ended (it ended with status 3)")
    path = variant(tmp_path, STORY_OK, 'grads["db" + str(l)]\n    return parameters\n', 'grads["db" + str(l)]\n',
                   name="noreturn.py")
    assert "update_parameters returned None, expected a dict of parameters with keys W1, b1, W2, b2; " \
           "returned at noreturn.py:" in stopped(path)


def test_a_syntax_error_stops_before_the_first_step(tmp_path):
    path = variant(tmp_path, STORY_OK, "    return Z, (A, W, b)\n", "    return Z, (A, W, b\n")
    args = build_parser().parse_args(["--model", str(path)])
    t, options = own_tui(args)
    where = f"{path}:{line_of(path, 'return Z, (A, W, b')} `return Z, (A, W, b`"
    assert t.status == STOPPED and t.diverged_reason == f"your code cannot run: SyntaxError: '(' was never closed at {where}"
    assert options["start_notice"].text.startswith("Your code cannot run: SyntaxError") and where in options["start_notice"].text
    t.run(3)
    assert t.step_count == 0


def test_settings_the_file_fixes_are_refused():
    t = OwnTrainer(STORY, story_problem(), OwnModel(STORY_OK))
    for change in (lambda: t.set_output_activation("relu"), lambda: t.set_hidden_activation("tanh"),
                   lambda: t.set_l2(0.1), lambda: t.set_batch_size(4)):
        with pytest.raises(FixedByFile, match="story_correct.py"):
            change()
    assert t.config.output_activation == "linear" and t.events == []
    t.set_lr(1e-4)  # the rate is the app's: update_parameters is given it
    assert t.config.lr == 1e-4


def test_reset_reads_the_fixed_file_again(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text(STORY_BAD.read_text())
    t = OwnTrainer(STORY.with_(output_activation="relu"), story_problem(), OwnModel(path))
    try:
        t.run(3)
        assert t.divergence is not None
        path.write_text(STORY_OK.read_text())  # the learner fixes both lines
        t.reset()
        assert t.config.output_activation == "linear" and t.divergence is None
        t.run(20)
        assert t.step_count == 20 and t.divergence is None
    finally:
        t.model.close()


def test_it_pickles_for_the_training_process():
    t = OwnTrainer(STORY, story_problem(), OwnModel(STORY_OK))
    t.run(3)
    copy = pickle.loads(pickle.dumps(t))
    try:
        copy.run(3)
        assert copy.step_count == 6 and copy.status == "ok"
    finally:
        t.model.close()
        copy.model.close()


# ---- the command line ------------------------------------------------------------------------

def test_the_file_decides_cost_and_activations():
    t, options = own_tui(build_parser().parse_args(["--model", str(COURSE)]))
    c = t.config
    assert (c.loss, c.output_activation, c.hidden_activation) == ("bce", "sigmoid", "relu")
    assert t.dataset.source.startswith("circle") and "cross-entropy" in options["start_notice"].text
    t, _ = own_tui(build_parser().parse_args(["--model", str(STORY_BAD)]))
    assert (t.config.loss, t.config.output_activation) == ("mse", "relu") and t.dataset.source == "story"


@pytest.mark.parametrize("argv, says", [
    (["--model", "no/such/file.py"], "no such file"),
    (["--model", str(COURSE), "--output-activation", "linear"], "uses sigmoid in the output layer of L_model_forward"),
    (["--model", str(STORY_OK), "--l2", "0.1"], "--l2, --l1 and --batch-size do not apply to --model"),
    (["--model", str(STORY_OK), "run", "--steps", "3"], "it does not apply to run"),
])
def test_bad_input_is_one_line_and_status_2(argv, says, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1 and "Traceback" not in err


# ---- in the TUI (Pilot) ------------------------------------------------------------------------

SIZE = (120, 40)


def own_app(tmp_path, path: Path, config, backend: str = "thread", time_limit: float = 2.0, pause: bool = False):
    from tui_trainer.app import TrainerApp
    t = OwnTrainer(config, story_problem(), OwnModel(path, display=path.name, time_limit=time_limit))
    return TrainerApp(t, runs_dir=tmp_path / "runs", backend=backend, pause_on_trouble=pause)


def texts(app) -> tuple[str, str, str]:
    """(status line, notice line, findings panel) as shown."""
    from tui_trainer.widgets.findings_panel import FindingsPanel
    from tui_trainer.widgets.notice_line import NoticeLine
    from tui_trainer.widgets.status_line import StatusLine
    return tuple(app.main.query_one(w).render().plain for w in (StatusLine, NoticeLine, FindingsPanel))


@pytest.mark.parametrize("backend", ["thread", pytest.param("process", marks=pytest.mark.slow)])
async def test_the_story_file_in_the_tui_shows_where_it_leaves_the_reference(tmp_path, settle, wait_until, backend):
    app = own_app(tmp_path, STORY_BAD, STORY.with_(output_activation="relu"), backend, pause=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")  # pause on trouble: it stops at the step that leaves the reference
        await wait_until(pilot, lambda: app.settled and any(
            f.code == "own_code_differs" for f in app.frame.snapshot.findings), what="the finding")
        status, notice, findings = texts(app)
        assert "step 0" in status and "output relu" in status and "paused on trouble" in status
        assert notice.startswith("Paused: Step 0: your L_model_backward (story_mistakes.py:")
        assert "dW2 differs" in notice
        assert "own_code_differs: step 0: your L_model_backward" in " ".join(findings.split())
        await pilot.press("a")  # the file fixes the output activation: a notice, no change
        await wait_until(pilot, lambda: "your code's" in texts(app)[1], what="the refusal")
        assert "L_model_forward" in texts(app)[1] and app.frame.snapshot.output_activation == "relu"


async def test_a_raising_file_in_the_tui_stops_with_its_line(tmp_path, settle, wait_until):
    path = variant(tmp_path, STORY_OK, "    m = A_prev.shape[1]\n", "    m = A_prev.shape[1] * 0\n    m = 1 / m\n")
    app = own_app(tmp_path, path, STORY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await wait_until(pilot, lambda: app.settled and app.frame.snapshot.status == STOPPED, what="the stop")
        status, notice, findings = texts(app)
        where = f"mine.py:{line_of(path, 'm = 1 / m')}"
        assert "state stopped" in status and "step 0" in status
        assert notice.startswith("Training stopped: your code stopped training at step 0: L_model_backward: "
                                 "ZeroDivisionError") and where in notice
        assert "Stopped: your code stopped training" in findings and "Traceback" not in notice + findings
        path.write_text(STORY_OK.read_text())  # fixed: 0 reads the file again and training goes on
        await pilot.press("0", "space")
        await wait_until(pilot, lambda: app.settled and app.frame.snapshot.step == 1, what="a step of the fixed file")
        assert app.frame.snapshot.status == "ok"


def test_the_gradient_check_checks_the_learners_gradient():
    from core.diagnosis.diagnostics import engine_gradient_check
    for path, output, band in ((STORY_OK, "linear", {"good", "acceptable"}), (STORY_BAD, "relu", {"wrong"})):
        t = OwnTrainer(STORY.with_(output_activation=output), story_problem(), OwnModel(path))
        try:
            g = engine_gradient_check(t)
            checks = {c.name: c.band for c in g.tensors}
            assert g.source == "your L_model_backward"
            assert checks["W2"] in band, (path.name, checks)
        finally:
            t.model.close()
