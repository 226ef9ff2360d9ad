"""Issue 12, item 12: command-line output that stays readable: long lists summarised, a closed
pipe ends the program quietly, no "-0", gradcheck's JSON naming the gradients as its text does;
item 13: the inspector says ReLU'(0) is taken as 0."""
from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys

from core.diagnosis.chain_rule import inspect_sample
from core.engine.config import TrainConfig
from core.engine.data import story_problem
from core.engine.trainer import Trainer
from tui_trainer.cli import EXIT_PIPE, main
from tui_trainer.commands.common import fmt
from tui_trainer.commands.run import format_summary
from tui_trainer.widgets.check_views import chain_text


def run_main(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        rc = main(list(args))
    return rc, out.getvalue()


def test_run_summarises_a_long_list_of_dead_rows():
    rows = [0, 1, 2, 3, 4, 7] + list(range(9, 397, 2))  # 200 rows in many runs
    s = {"steps": 10, "status": "ok", "reason": "", "loss": 1.0, "dev_loss": None, "rmse": 1.0,
         "dead_output": len(rows), "dead_samples": rows, "dev_rows": [], "dead_hidden": [0], "findings": []}
    line = format_summary(s, None).splitlines()[2]
    assert "(rows 0–4, 7, 9, 11, 13, 15, … (200 in all))" in line and len(line) < 100


def test_a_closed_pipe_ends_the_run_quietly():
    p = subprocess.Popen([sys.executable, "-m", "tui_trainer", "run", "--steps", "20"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": "200"})
    p.stdout.close()  # like `| head` that has read all it wants: nobody reads our output
    err = p.stderr.read()
    p.wait(60)
    p.stderr.close()
    assert err == b"" and p.returncode == EXIT_PIPE


def test_no_minus_zero():
    assert fmt(-0.0) == "0" and fmt(None) == "n/a" and fmt(-1e-300) == "-1e-300"
    t = Trainer(TrainConfig(), story_problem())
    t.run(5000)  # samples 0-4 dead; sample 1: A − Y = −6 times g'(Z) = 0 gives dZ = −0.0
    c = inspect_sample(t, 1)
    assert c.dead and str(c.dZ) == "-0.0"
    text = chain_text(c).plain
    assert "dZ    = ∂L/∂A · ∂A/∂Z = 0\n" in text and "-0" not in text.replace("e-0", "")


def test_inspector_says_relu_prime_of_0_is_taken_as_0():
    c = inspect_sample(Trainer(TrainConfig(), story_problem()), 0)  # x = 0, b = 0: Z^[L] = 0 exactly
    assert c.Z == 0 and c.dead
    assert "ReLU'(0) is taken as 0 here, so this sample gets no gradient of its own yet" in chain_text(c).plain


def test_gradcheck_json_names_the_gradient_as_the_text_does():
    rc, out = run_main("gradcheck", "--steps", "0", "--json")
    tensors = json.loads(out)["tensors"]
    assert rc == 0 and [k["gradient"] for k in tensors] == ["dW1", "db1", "dW2", "db2"]
    assert [k["name"] for k in tensors] == ["W1", "b1", "W2", "b2"]  # the parameter, as before
    rc, text = run_main("gradcheck", "--steps", "0")
    assert all(f"  {k['gradient']}" in text for k in tensors)


def test_a_log_without_steps_is_refused_at_once(tmp_path):
    from core.logs.writer import export_lines
    t = Trainer(TrainConfig(), story_problem())
    t.run(20_000)
    t.reset()  # the trainer's own history starts afresh: its export holds events only
    log = tmp_path / "events-only.jsonl"
    log.write_text("\n".join(export_lines(t)) + "\n", encoding="utf-8")
    for args, what in ((("rerun", str(log)), "compare"), (("replay", str(log)), "replay"),
                       (("replay", str(log), str(log)), "compare")):
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            rc = main(list(args))
        assert rc == 2 and f"no steps to {what}: the log has no step records" in err.getvalue(), args
