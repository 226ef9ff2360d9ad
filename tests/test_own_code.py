"""`tui-trainer check`: a learner's own course functions against the reference.

Every catalogued mistake is planted into the correct example's text and must be named on the
right function; a file that raises, loops, returns a wrong shape or does not parse gets a clear
message with a line inside the learner's file. Trained step by step beside the reference, a
correct file follows the engine's loss curve and the story's file leaves it at its dAL."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from core.diagnosis.own_code import CATALOGUE, check_file
from core.diagnosis.own_code.course import Course
from core.diagnosis.own_code.lockstep import train_side_by_side
from core.diagnosis.own_code.runner import LearnerProcess
from core.engine.config import TrainConfig
from core.engine.data import story_problem
from core.engine.trainer import Trainer
from tui_trainer.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CORRECT = (EXAMPLES / "course_correct.py").read_text()
STORY = (EXAMPLES / "story_mistakes.py").read_text()
# The story's two mistakes fixed: a linear output layer and dAL = AL - Y (MSE, the ½ convention).
STORY_FIXED = (STORY.replace('parameters["b" + str(L)], "relu")  # output', 'parameters["b" + str(L)], "linear")')
               .replace("dAL = np.where(AL > 0, 1.0, 0.0)", "dAL = AL - Y")
               .replace('caches[L - 1], "relu")', 'caches[L - 1], "linear")'))
FAST = 1.0  # seconds per call: generous for these tiny inputs, short for the loop tests


def plant(text: str, function: str, old: str, new: str, count: int = 1) -> str:
    """Replace `old` by `new` inside one function's body only."""
    start = text.index(f"\ndef {function}(")
    end = text.find("\ndef ", start + 1)
    end = len(text) if end < 0 else end
    body = text[start:end]
    assert body.count(old) >= count, f"{old!r} not in {function}"
    return text[:start] + body.replace(old, new, count) + text[end:]


# (function, code) -> (base text, old, new[, count]): one planted mistake per catalogue entry.
PLANTS = {
    ("sigmoid", "cache_holds_A"): (CORRECT, "cache = Z", "cache = A"),
    ("relu", "cache_holds_A"): (CORRECT, "cache = Z", "cache = A"),
    ("sigmoid_backward", "sigmoid_backward_Z_as_A"): (CORRECT, "s = 1 / (1 + np.exp(-Z))", "s = Z"),
    ("relu_backward", "relu_backward_inequality"): (CORRECT, "dZ[Z <= 0] = 0", "dZ[Z < 0] = 0"),
    ("relu_backward", "relu_backward_uses_A"): (CORRECT, "dZ = np.array(dA, copy=True)\n    dZ[Z <= 0] = 0",
                                                "dZ = dA * np.maximum(0, Z)"),
    ("relu_backward", "relu_backward_masks_dA"): (CORRECT, "dZ[Z <= 0] = 0", "dZ[dA <= 0] = 0"),
    ("linear_forward", "bias_left_out"): (CORRECT, "Z = np.dot(W, A) + b", "Z = np.dot(W, A)"),
    ("linear_forward", "cache_swapped"): (CORRECT, "cache = (A, W, b)", "cache = (W, A, b)"),
    ("linear_activation_forward", "cache_swapped"): (CORRECT, "cache = (linear_cache, activation_cache)",
                                                     "cache = (activation_cache, linear_cache)"),
    ("L_model_forward", "output_activation_wrong"): (CORRECT, '"sigmoid")', '"relu")'),
    ("L_model_forward", "hidden_activation_wrong"): (CORRECT, '"relu")', '"sigmoid")'),
    ("L_model_forward", "cache_swapped"): (CORRECT, "return AL, caches", "return AL, caches[::-1]"),
    ("compute_cost", "cost_sign_flipped"): (CORRECT, "cost = -1 / m *", "cost = 1 / m *"),
    ("compute_cost", "cost_half_wrong"): (STORY_FIXED, "/ (2 * m)", "/ m"),
    ("linear_backward", "dW_missing_one_over_m"): (CORRECT, "dW = 1 / m * np.dot", "dW = np.dot"),
    ("linear_backward", "dW_one_over_m_twice"): (CORRECT, "dW = 1 / m * np.dot", "dW = 1 / m / m * np.dot"),
    ("linear_backward", "db_missing_one_over_m"): (CORRECT, "db = 1 / m * np.sum", "db = np.sum"),
    ("linear_backward", "db_one_over_m_twice"): (CORRECT, "db = 1 / m * np.sum", "db = 1 / m ** 2 * np.sum"),
    ("linear_backward", "dA_prev_has_one_over_m"): (CORRECT, "dA_prev = np.dot(W.T, dZ)", "dA_prev = np.dot(W.T, dZ) / m"),
    ("linear_backward", "db_not_summed"): (CORRECT, "np.sum(dZ, axis=1, keepdims=True)", "dZ"),
    ("linear_backward", "db_lost_keepdims"): (CORRECT, "axis=1, keepdims=True)", "axis=1)"),
    ("linear_backward", "W_not_transposed"): (CORRECT, "np.dot(W.T, dZ)", "np.dot(W, dZ)"),
    ("L_model_backward", "dAL_from_activation"): (CORRECT, "dAL = - (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))",
                                                  "dAL = AL * (1 - AL)"),
    ("L_model_backward", "dAL_sign_flipped"): (CORRECT, "dAL = - (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))",
                                               "dAL = np.divide(Y, AL) - np.divide(1 - Y, 1 - AL)"),
    ("L_model_backward", "dAL_has_one_over_m"): (STORY_FIXED, "dAL = AL - Y", "dAL = (AL - Y) / Y.shape[1]"),
    ("L_model_backward", "output_activation_wrong"): (CORRECT, '"sigmoid")', '"relu")'),
    ("update_parameters", "update_adds_gradient"): (CORRECT, "- learning_rate", "+ learning_rate", 2),
    ("update_parameters", "bias_left_out"): (
        CORRECT, 'parameters["b" + str(l + 1)] = parameters["b" + str(l + 1)] - learning_rate * grads["db" + str(l + 1)]',
        "pass"),
}


def write(tmp_path, text: str, name: str = "learner.py") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def by_name(report) -> dict:
    return {f.name: f for f in report.functions}


def test_every_catalogue_entry_has_a_planted_test():
    assert {(m.function, m.code) for m in CATALOGUE} == set(PLANTS)
    assert all(m.explanation and "\n" not in m.explanation for m in CATALOGUE)


def test_correct_example_passes():
    report = check_file(EXAMPLES / "course_correct.py", FAST)
    assert report.cost == "cross-entropy" and report.output_activation == "sigmoid"
    assert report.summary() == {"pass": 13, "fail": 0, "missing": 0, "error": 0}, report.to_dict()


def test_story_fixed_passes_with_mse(tmp_path):
    report = check_file(write(tmp_path, STORY_FIXED), FAST)
    assert report.cost == "mse" and report.output_activation == "linear"
    assert report.summary()["pass"] == 13, report.to_dict()


def without(text: str, function: str) -> str:
    start = text.index(f"\ndef {function}(")
    end = text.find("\ndef ", start + 1)
    return text[:start] + text[end:]


def test_without_compute_cost_the_cost_comes_from_L_model_backward(tmp_path):
    report = check_file(write(tmp_path, without(STORY_FIXED, "compute_cost")), FAST)
    assert report.cost == "mse" and report.output_activation == "linear"
    assert report.summary() == {"pass": 12, "fail": 0, "missing": 1, "error": 0}, report.to_dict()
    # Once L_model_backward tells MSE, a ReLU output is wrong.
    relu_out = plant(without(STORY_FIXED, "compute_cost"), "L_model_forward", '"linear")', '"relu")')
    r = by_name(check_file(write(tmp_path, plant(relu_out, "L_model_backward", '"linear")', '"relu")'), "relu.py"), FAST))
    assert r["L_model_forward"].likely_mistake == "output_activation_wrong"
    assert r["L_model_backward"].status == "pass"
    # The story's file without compute_cost: its dAL fits neither cost, so the cost stays unknown.
    report = check_file(write(tmp_path, without(STORY, "compute_cost"), "story.py"), FAST)
    assert report.cost == "unknown"
    assert by_name(report)["L_model_backward"].likely_mistake == "dAL_from_activation"


def test_story_mistakes_are_named():
    report = check_file(EXAMPLES / "story_mistakes.py", FAST)
    r = by_name(report)
    assert report.cost == "mse" and report.output_activation == "relu"
    assert r["L_model_forward"].likely_mistake == "output_activation_wrong"
    assert r["L_model_forward"].tensor == "AL"
    assert "ReLU output clips predictions at 0" in r["L_model_forward"].explanation
    assert r["L_model_backward"].likely_mistake == "dAL_from_activation"
    assert r["L_model_backward"].tensor.startswith("dW")
    assert r["L_model_backward"].max_abs_error > 0.01
    assert report.summary() == {"pass": 11, "fail": 2, "missing": 0, "error": 0}


def rounds() -> list[list[tuple[str, str]]]:
    """The plants grouped into files with at most one mistake per function and one base text:
    fewer child processes to start, and a proof that one mistake does not hide another (each
    function is judged with the reference standing in for its failing callees). The forward's
    wrong output activation changes what L_model_backward is checked with, so it goes alone."""
    groups: list[list[tuple[str, str]]] = []
    for key in sorted(PLANTS):
        for g in groups:
            funcs = {f for f, _ in g}
            clash = {("L_model_forward", "output_activation_wrong")} & (set(g) | {key}) and \
                "L_model_backward" in funcs | {key[0]}
            if PLANTS[g[0]][0] is PLANTS[key][0] and key[0] not in funcs and not clash:
                g.append(key)
                break
        else:
            groups.append([key])
    return groups


@pytest.mark.parametrize("keys", rounds(), ids=lambda ks: "+".join(c for _, c in ks))
def test_planted_mistakes_are_named(tmp_path, keys):
    text = PLANTS[keys[0]][0]
    for function, code in keys:
        _, old, new, *count = PLANTS[(function, code)]
        text = plant(text, function, old, new, *count)
    report = check_file(write(tmp_path, text), FAST)
    r = by_name(report)
    for function, code in keys:
        assert r[function].status == "fail", r[function]
        assert r[function].likely_mistake == code, r[function]
    # Every other function passes: a mistake is blamed on its own function only. (A forward that
    # changes the output activation leaves the file's backward using the old one: also named.)
    also = {"L_model_backward": "output_activation_wrong"} if ("L_model_forward", "output_activation_wrong") in keys else {}
    planted = {f for f, _ in keys}
    assert {f.name: f.likely_mistake for f in report.functions if f.status != "pass" and f.name not in planted} == also


def test_rounds_cover_every_plant():
    assert sorted(k for g in rounds() for k in g) == sorted(PLANTS)
    assert len(rounds()) <= 12


def test_a_raising_function_names_its_line_and_the_expected_shape(tmp_path):
    text = plant(CORRECT, "linear_backward", "dW = 1 / m * np.dot(dZ, A_prev.T)", "dW = 1 / m * np.dot(dZ, A_prev)")
    path = write(tmp_path, text)
    r = by_name(check_file(path, FAST))["linear_backward"]
    line = text.splitlines().index("    dW = 1 / m * np.dot(dZ, A_prev)") + 1
    assert r.status == "error"
    assert f"{path}:{line} `dW = 1 / m * np.dot(dZ, A_prev)`" in r.message
    assert "ValueError" in r.message and "expected dA_prev (4, 1), dW (3, 4), db (3, 1)" in r.message
    assert "Traceback" not in r.message and "own_code" not in r.message


def test_wrong_number_of_arguments_points_at_the_def(tmp_path):
    text = plant(CORRECT, "relu_backward", "def relu_backward(dA, cache):", "def relu_backward(dA):")
    text = text.replace("    Z = cache\n    dZ = np.array(dA, copy=True)", "    Z = dA\n    dZ = np.array(dA, copy=True)")
    r = by_name(check_file(write(tmp_path, text), FAST))["relu_backward"]
    assert r.status == "error"
    assert "when called as relu_backward(dA, cache) -> dZ" in r.message
    assert "`def relu_backward(dA):`" in r.message


def test_an_infinite_loop_is_reported_and_the_rest_still_checked(tmp_path):
    text = plant(CORRECT, "relu_backward", "    Z = cache\n", "    Z = cache\n    while True:\n        pass\n")
    path = write(tmp_path, text)
    report = check_file(path, 0.3)
    r = by_name(report)
    line = text.splitlines().index("    while True:") + 1
    assert r["relu_backward"].status == "error"
    assert "did not return within 0.3 s" in r["relu_backward"].message
    assert re.search(rf"{re.escape(str(path))}:({line}|{line + 1}) ", r["relu_backward"].message)
    # The reference's relu_backward stands in for it in the functions that call it.
    assert r["linear_activation_backward"].status == r["L_model_backward"].status == "pass"


def test_top_level_problems_are_skipped_with_a_note(tmp_path):
    text = ("from dnn_utils_v2 import sigmoid\nprint('hello')\nimport sys\nx = input()\n"
            "while True:\n    pass\n" + CORRECT)
    report = check_file(write(tmp_path, text), 0.3)
    assert report.summary()["pass"] == 13
    assert any("ModuleNotFoundError" in n and ":1 " in n for n in report.notes), report.notes
    assert any("did not finish within 0.3 s" in n for n in report.notes), report.notes


def test_a_wrong_shape_names_the_tensor_the_line_and_the_expected_shape(tmp_path):
    text = plant(CORRECT, "linear_forward", "return Z, cache", "return Z.T, cache")
    path = write(tmp_path, text)
    r = by_name(check_file(path, FAST))["linear_forward"]
    line = text.splitlines().index("    return Z.T, cache") + 1
    assert r.status == "fail" and r.tensor == "Z"
    assert "Z has shape (1, 3), expected (3, 1)" in r.message
    assert f"returned at {path}:{line}" in r.message


def test_a_missing_return_is_reported(tmp_path):
    r = by_name(check_file(write(tmp_path, plant(CORRECT, "sigmoid_backward", "    return dZ\n", "")), FAST))
    assert r["sigmoid_backward"].status == "fail"
    assert "is None, expected an array of shape" in r["sigmoid_backward"].message


def test_a_syntax_error_is_reported_on_its_line(tmp_path):
    text = CORRECT.replace("def relu(Z):", "def relu(Z)")
    path = write(tmp_path, text)
    report = check_file(path, FAST)
    line = text.splitlines().index("def relu(Z)") + 1
    assert {f.status for f in report.functions} == {"error"}
    assert f"SyntaxError: expected ':' at {path}:{line}" in report.functions[0].message


def test_missing_functions_are_missing_not_failures(tmp_path, capsys):
    only = CORRECT[:CORRECT.index("def sigmoid_backward")]
    assert main(["check", str(write(tmp_path, only)), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["summary"] == {"pass": 2, "fail": 0, "missing": 11, "error": 0}


def test_json_shape_and_exit_status(capsys):
    assert main(["check", str(EXAMPLES / "story_mistakes.py"), "--json", "--time-limit", "2"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["file", "cost", "functions", "summary"]
    assert out["cost"] == "mse"
    keys = ["name", "status", "tensor", "max_abs_error", "max_rel_error", "likely_mistake", "message"]
    assert all(list(f) == keys for f in out["functions"])
    fwd = next(f for f in out["functions"] if f["name"] == "L_model_forward")
    assert fwd["likely_mistake"] == "output_activation_wrong" and "Likely mistake:" in fwd["message"]
    assert out["summary"] == {"pass": 11, "fail": 2, "missing": 0, "error": 0}


def test_human_output(capsys):
    assert main(["check", str(EXAMPLES / "course_correct.py")]) == 0
    out = capsys.readouterr().out
    assert "cost cross-entropy, output layer sigmoid" in out
    assert "summary: 13 pass, 0 fail, 0 missing, 0 error" in out


@pytest.mark.parametrize("name, content, needle", [
    ("absent.py", None, "no such file"),
    ("notes.txt", "x = 1\n", "not a Python file"),
    ("model.ipynb", "{}", "a notebook"),
    ("binary.py", b"\xff\xfe\x00", "not Python source"),
    ("empty.py", "x = 1\n", "defines none of the course's functions"),
])
def test_bad_input_is_one_line_and_status_2(tmp_path, capsys, name, content, needle):
    p = tmp_path / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    elif content is not None:
        p.write_text(content)
    assert main(["check", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err and "Traceback" not in err


# ---- training with the learner's own functions beside the reference (the engine of --model) ----

STEPS = 40


def engine_run(output: str, steps: int = STEPS):
    t = Trainer(TrainConfig(output_activation=output), story_problem())
    start = t.parameters()
    return t, start, [t.step().loss for _ in range(steps)]


def run_file(path, trainer, start, output, steps=STEPS, limit=2.0):
    with LearnerProcess(path, limit) as proc:
        return train_side_by_side(proc, trainer.data.X, trainer.data.Y, start, trainer.config.lr, steps,
                                  Course("mse", output=output), str(path))


def test_a_correct_file_follows_the_engine_loss_curve(tmp_path):
    trainer, start, losses = engine_run("linear")
    r = run_file(write(tmp_path, STORY_FIXED), trainer, start, "linear")
    assert r.error is None and r.divergence is None and r.uses_reference == ()
    assert len(r.losses) == STEPS
    np.testing.assert_allclose(r.losses, losses, rtol=1e-10)
    np.testing.assert_allclose(r.reference_losses, losses, rtol=1e-10)
    assert losses[-1] < losses[0] / 2  # it did train


def test_the_story_file_leaves_the_reference_at_its_dAL():
    trainer, start, losses = engine_run("relu", steps=5)
    r = run_file(EXAMPLES / "story_mistakes.py", trainer, start, "relu", steps=5)
    assert r.error is None
    d = r.divergence
    assert (d.step, d.function, d.tensor) == (0, "L_model_backward", "dW2")
    assert d.max_abs_error > 1 and "step 0: L_model_backward leaves the reference: dW2 differs" in d.message
    assert r.losses[0] == losses[0] and r.losses[-1] > losses[-1]  # same start, then it does not learn


def test_a_loop_in_the_learner_stops_its_run_not_the_reference(tmp_path):
    text = plant(STORY_FIXED, "update_parameters", "    L = len(parameters) // 2\n",
                 "    L = len(parameters) // 2\n    while L:\n        pass\n")
    trainer, start, losses = engine_run("linear", steps=3)
    path = write(tmp_path, text)
    r = run_file(path, trainer, start, "linear", steps=3, limit=0.3)
    assert r.error.startswith(f"step 0: update_parameters: did not return within 0.3 s at {path}:")
    assert r.losses == [] and len(r.reference_losses) == 3


def test_a_function_the_file_lacks_is_the_reference(tmp_path):
    trainer, start, losses = engine_run("linear", steps=3)
    r = run_file(write(tmp_path, without(STORY_FIXED, "compute_cost")), trainer, start, "linear", steps=3)
    assert r.uses_reference == ("compute_cost",) and r.divergence is None
    np.testing.assert_allclose(r.losses, losses, rtol=1e-10)
