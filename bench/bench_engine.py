"""Engine speed: `Trainer.run` (with its per-step diagnostics) against the leanest NumPy loop
of the same maths, and PyTorch CPU when it is importable.

Each (case, BLAS threads) pair runs in a fresh child process, because OpenBLAS reads its
thread count from the environment only at import. Inside a child the contenders run in
interleaved rounds (the order alternates), so a noisy neighbour hits them alike; we report
the median steps/s of each and the median of the per-round ratios.

    python bench/bench_engine.py                    # story + m=100,000, 1 and 2 BLAS threads
    python bench/bench_engine.py --cases story --rounds 9 --json bench/results/engine.json
    python bench/bench_engine.py --against /tmp/old --cases story --rounds 101 --steps 4000

`--against TREE` times this engine against the one in another checkout (for instance
`git archive <commit> | tar -x -C /tmp/old`) in one process, interleaved, in CPU time: small
changes that the noise between separate runs would hide. Both must write the same rows.

The lean loop is checked to end at the same parameters as the engine, so the comparison is
of equal work. PyTorch is optional (`pip install torch`); it is never needed by the app.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Steps per timed round: about a second of work for the engine on a 2-core machine.
CASES = {
    "story": dict(desc="story [1,10,1], m=20", steps=40_000, torch_steps=4_000),
    "m100k": dict(desc="[1,64,64,1], m=100,000", steps=4, torch_steps=4),
}


def make_trainer(case: str, package: str = "core"):
    """The trainer for a case; the lean and torch loops copy its prepared data and θ₀.
    `package` is "core", or "core_before" for the engine loaded by --against."""
    import importlib
    import numpy as np
    TrainConfig = importlib.import_module(f"{package}.engine.config").TrainConfig
    data_mod = importlib.import_module(f"{package}.engine.data")
    Dataset, story_problem = data_mod.Dataset, data_mod.story_problem
    Trainer = importlib.import_module(f"{package}.engine.trainer").Trainer
    if case == "story":
        return Trainer(TrainConfig(), story_problem())
    x = np.linspace(0.0, 19.0, 100_000)
    data = Dataset(x.reshape(1, -1), (3 * x**2 + 3 * x).reshape(1, -1), ("x",), "y", "bench")
    return Trainer(TrainConfig(hidden=(64, 64), normalize=True, lr=1e-3), data)


def flat_theta(trainer):
    """θ as one vector of [W | b] blocks, the lean loop's layout, read from the trainer's
    course-shaped params (so the bench also runs against older engines)."""
    import numpy as np
    p, L = trainer.params, len(trainer.layer_dims) - 1
    return np.concatenate([np.hstack([p[f"W{l}"], p[f"b{l}"]]).ravel() for l in range(1, L + 1)])


# ---- the lean loop -------------------------------------------------------------------------

def make_lean(trainer):
    """The leanest honest NumPy loop for ReLU hidden and output layers with the MSE loss:
    the same maths and the same float64 numbers as the engine, with no diagnostics.

    It uses every trick the engine does (preallocated buffers, [W | b] blocks so bias and
    weights share one matmul, positional `out` arguments, the 1/m folded into the rate, one
    flat θ so the update is two calls) and computes the cost J each step as any training
    loop does, but records nothing and checks nothing. Returns (run(n), theta)."""
    import numpy as np
    assert trainer.config.hidden_activation == "relu" and trainer.config.output_activation == "relu"
    assert trainer.config.loss == "mse"
    dims, X, Y = trainer.layer_dims, trainer.data.X, trainer.data.Y
    m, L = X.shape[1], len(dims) - 1
    sizes = [dims[l] * (dims[l - 1] + 1) for l in range(1, L + 1)]
    theta, G, U = np.zeros(sum(sizes)), np.zeros(sum(sizes)), np.empty(sum(sizes))
    Wb, dWb, a = [], [], 0
    for l, size in zip(range(1, L + 1), sizes):
        shape = (dims[l], dims[l - 1] + 1)
        Wb.append(theta[a:a + size].reshape(shape))
        dWb.append(G[a:a + size].reshape(shape))
        Wb[-1][:, :-1] = trainer.params[f"W{l}"]
        Wb[-1][:, -1:] = trainer.params[f"b{l}"]
        a += size
    zero = np.zeros(())  # a 0-d array operand is cheaper than the float 0.0 and needs no (n, m) buffer
    A_aug = [np.vstack([X, np.ones((1, m))])] + [np.ones((dims[l] + 1, m)) for l in range(1, L)]
    A = [None] + [A_aug[l][:dims[l]] for l in range(1, L)] + [np.empty((dims[L], m))]
    A_augT = [Aa.T for Aa in A_aug]
    dA_aug = [None] + [np.empty((dims[l] + 1, m)) for l in range(1, L)]
    gp = [None] + [np.empty((dims[l], m)) for l in range(1, L + 1)]
    dZ = [None] + [np.empty((dims[l], m)) for l in range(1, L + 1)]
    WbT = [None] + [Wb[l - 1].T for l in range(1, L + 1)]  # F-ordered: BLAS takes it as is
    R = dZ[L]
    R_flat = R.reshape(-1)
    half_over_m = 0.5 / m
    lr = np.full(theta.size, trainer.config.lr / m)
    dot, fmax, subtract, multiply, sign = np.dot, np.fmax, np.subtract, np.multiply, np.sign

    if L == 2:  # written out: the story's shape, where every Python operation shows
        Wb1, Wb2, X1, A1a, A1, A2 = Wb[0], Wb[1], A_aug[0], A_aug[1], A[1], A[2]
        X1T, A1aT, Wb2T, dA1a, dA1 = A_augT[0], A_augT[1], WbT[2], dA_aug[1], dA_aug[1][:dims[1]]
        g1, g2, dZ1, dWb1, dWb2 = gp[1], gp[2], dZ[1], dWb[0], dWb[1]

        def run(n: int) -> float:
            J = 0.0
            for _ in range(n):
                dot(Wb1, X1, A1)
                fmax(A1, zero, A1)
                dot(Wb2, A1a, A2)
                fmax(A2, zero, A2)
                subtract(A2, Y, R)
                J = dot(R_flat, R_flat) * half_over_m
                sign(A2, g2)
                multiply(R, g2, R)
                dot(R, A1aT, dWb2)
                dot(Wb2T, R, dA1a)
                sign(A1, g1)
                multiply(dA1, g1, dZ1)
                dot(dZ1, X1T, dWb1)
                multiply(G, lr, U)
                subtract(theta, U, theta)
            return J
        return run, theta

    fwd = [(Wb[l - 1], A_aug[l - 1], A[l]) for l in range(1, L + 1)]
    back = [(WbT[l + 1], dA_aug[l], dA_aug[l][:dims[l]], A[l], gp[l], dZ[l], A_augT[l - 1], dWb[l - 1])
            for l in range(L - 1, 0, -1)]
    gL, AinT_L, dWbL = gp[L], A_augT[L - 1], dWb[L - 1]

    def run(n: int) -> float:
        J = 0.0
        for _ in range(n):
            for W, Ain, Aout in fwd:
                dot(W, Ain, Aout)
                fmax(Aout, zero, Aout)
            AL = A[L]
            subtract(AL, Y, R)
            J = dot(R_flat, R_flat) * half_over_m
            sign(AL, gL)
            multiply(R, gL, R)
            dot(R, AinT_L, dWbL)
            d = R
            for WT, dAa, dA, Al, g, dZl, AinT, dW in back:
                dot(WT, d, dAa)
                sign(Al, g)
                d = multiply(dA, g, dZl)
                dot(d, AinT, dW)
            multiply(G, lr, U)
            subtract(theta, U, theta)
        return J
    return run, theta


# ---- PyTorch ----------------------------------------------------------------------------

def make_torch(trainer):
    """The idiomatic PyTorch loop (nn.Sequential, autograd, optim.SGD) on the same float64
    data and θ₀, full batch. Returns run(n) or None when torch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    import numpy as np
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1)))
    dims = trainer.layer_dims
    layers = []
    for l in range(1, len(dims)):
        lin = torch.nn.Linear(dims[l - 1], dims[l]).double()
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(trainer.params[f"W{l}"])))
            lin.bias.copy_(torch.from_numpy(trainer.params[f"b{l}"].ravel().copy()))
        layers += [lin, torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers)
    X = torch.from_numpy(trainer.data.X.T.copy())
    Y = torch.from_numpy(trainer.data.Y.T.copy())
    opt = torch.optim.SGD(net.parameters(), lr=trainer.config.lr)

    def run(n: int) -> float:
        for _ in range(n):
            opt.zero_grad(set_to_none=True)
            loss = 0.5 * torch.mean((net(X) - Y) ** 2)  # J = sum((AL - Y)^2) / (2m)
            loss.backward()
            opt.step()
        return float(loss)
    return run


# ---- one child process: one case at one BLAS thread count ----------------------------------

def child(case: str, rounds: int, steps: int, torch_steps: int, use_torch: bool) -> dict:
    import numpy as np
    spec = CASES[case]
    steps = steps or spec["steps"]
    torch_steps = torch_steps or spec["torch_steps"]
    engine = make_trainer(case)
    lean_run, lean_theta = make_lean(engine)
    torch_run = make_torch(make_trainer(case)) if use_torch else None

    # Same maths: from the same θ₀, both must reach the same θ after the same steps.
    check = make_trainer(case)
    check_run, check_theta = make_lean(check)
    n_check = min(steps, 200)
    check.run(n_check)
    check_run(n_check)
    same = bool(np.allclose(flat_theta(check), check_theta, rtol=1e-9, atol=1e-12))
    del check, check_run, check_theta

    contenders = {"engine": lambda n: engine.run(n), "lean": lean_run}
    if torch_run is not None:
        contenders["torch"] = torch_run
    for name, fn in contenders.items():  # warm-up: first-touch page faults, BLAS start-up
        fn(max(1, (torch_steps if name == "torch" else steps) // 10))
    rates = {name: [] for name in contenders}  # steps per wall-clock second
    cpu_rates = {name: [] for name in contenders}  # steps per CPU second of this process
    names = list(contenders)
    for r in range(rounds):
        for name in (names if r % 2 == 0 else names[::-1]):
            n = torch_steps if name == "torch" else steps
            t0, c0 = time.perf_counter(), time.process_time()
            contenders[name](n)
            rates[name].append(n / (time.perf_counter() - t0))
            cpu_rates[name].append(n / (time.process_time() - c0))
    if engine.status != "ok":
        raise SystemExit(f"{case}: the engine diverged during the benchmark: {engine.diverged_reason}")
    out = {"case": case, "desc": spec["desc"], "steps_per_round": steps, "rounds": rounds,
           "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
           "lean_matches_engine": same,
           "rates": rates, "cpu_rates": cpu_rates,
           "median": {k: statistics.median(v) for k, v in rates.items()},
           "median_cpu": {k: statistics.median(v) for k, v in cpu_rates.items()},
           "ratio_lean_over_engine": statistics.median(l / e for l, e in zip(rates["lean"], rates["engine"])),
           "ratio_lean_over_engine_cpu": statistics.median(
               l / e for l, e in zip(cpu_rates["lean"], cpu_rates["engine"]))}
    if "torch" in rates:
        out["torch_steps_per_round"] = torch_steps
        out["ratio_engine_over_torch"] = statistics.median(
            e / t for e, t in zip(rates["engine"], rates["torch"]))
    return out


# ---- --against: this engine and another checkout's, in one process ------------------------

def load_other_core(tree: str) -> None:
    """Import TREE/core as the package `core_before`, beside this checkout's `core` (the
    engine's modules import one another relatively, so the copy stays self-contained)."""
    import importlib.util
    init = Path(tree) / "core" / "__init__.py"
    if not init.is_file():
        raise SystemExit(f"--against {tree}: no core/__init__.py there")
    spec = importlib.util.spec_from_file_location("core_before", init, submodule_search_locations=[str(init.parent)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["core_before"] = module
    spec.loader.exec_module(module)


def child_against(case: str, tree: str, rounds: int, steps: int) -> dict:
    import numpy as np
    load_other_core(tree)
    steps = steps or CASES[case]["steps"]
    engines = {"before": make_trainer(case, "core_before"), "this": make_trainer(case)}
    for t in engines.values():  # warm-up, and the same rows from the same θ₀
        t.run(max(1, min(steps, 2000)))
    before, this = (e.history.rows() for e in engines.values())
    same = before.shape == this.shape and bool(np.array_equal(before, this, equal_nan=True))
    cpu_rates = {name: [] for name in engines}
    names = list(engines)
    for r in range(rounds):
        for name in (names if r % 2 == 0 else names[::-1]):
            c0 = time.process_time()
            engines[name].run(steps)
            cpu_rates[name].append(steps / (time.process_time() - c0))
    return {"case": case, "desc": CASES[case]["desc"], "against": str(tree), "steps_per_round": steps,
            "rounds": rounds, "same_rows": same, "cpu_rates": cpu_rates,
            "median_cpu": {k: statistics.median(v) for k, v in cpu_rates.items()},
            "ratio_before_over_this_cpu": statistics.median(
                b / t for b, t in zip(cpu_rates["before"], cpu_rates["this"]))}


def run_child(case: str, threads: int, args) -> dict:
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    cmd = [sys.executable, __file__, "--child", case, "--rounds", str(args.rounds),
           "--steps", str(args.steps), "--torch-steps", str(args.torch_steps)]
    if args.no_torch:
        cmd.append("--no-torch")
    if args.against:
        cmd += ["--against", args.against]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"benchmark child failed ({case}, {threads} threads):\n{res.stderr}")
    return json.loads(res.stdout)


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numpy as np
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "numpy": np.__version__, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", default="story,m100k", help="comma list of: " + ", ".join(CASES))
    p.add_argument("--threads", default="1,2", help="BLAS thread counts to try (comma list)")
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--steps", type=int, default=0, help="steps per round (default: per case)")
    p.add_argument("--torch-steps", type=int, default=0, help="PyTorch steps per round (default: per case)")
    p.add_argument("--no-torch", action="store_true", help="skip PyTorch even when installed")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON (e.g. bench/results/engine.json)")
    p.add_argument("--against", metavar="TREE", help="time this engine against TREE/core's, in one process (see above)")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        result = (child_against(args.child, args.against, args.rounds, args.steps) if args.against else
                  child(args.child, args.rounds, args.steps, args.torch_steps, not args.no_torch))
        print(json.dumps(result))
        return 0
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    for c in cases:
        if c not in CASES:
            p.error(f"unknown case {c!r} (choose from {', '.join(CASES)})")
    threads = [int(t) for t in args.threads.split(",")]
    info = machine()
    print(f"# {info['date']}  {info['cpu']}  nproc={info['nproc']}  Python {info['python']}  NumPy {info['numpy']}")
    if args.against:
        return main_against(cases, threads, args, info)
    print("wall-clock steps/s (medians); 'CPU' is the ratio of steps per CPU-second, which a busy machine disturbs less")
    print(f"{'case':26s} {'BLAS':>4s} {'engine/s':>10s} {'lean/s':>10s} {'lean/engine':>11s} {'CPU':>6s} "
          f"{'torch/s':>9s} {'engine/torch':>12s} {'same θ':>6s}")
    results = []
    for c in cases:
        for t in threads:
            r = run_child(c, t, args)
            results.append(r)
            med = r["median"]
            torch_s = f"{med['torch']:9.1f}" if "torch" in med else f"{'-':>9s}"
            ratio_t = f"{r['ratio_engine_over_torch']:11.1f}×" if "torch" in med else f"{'-':>12s}"
            print(f"{r['desc']:26s} {t:>4d} {med['engine']:10.1f} {med['lean']:10.1f} "
                  f"{r['ratio_lean_over_engine']:10.2f}× {r['ratio_lean_over_engine_cpu']:5.2f}× {torch_s} {ratio_t} {str(r['lean_matches_engine']):>6s}",
                  flush=True)
    write_json(args, info, results)
    return 0


def main_against(cases: list[str], threads: list[int], args, info: dict) -> int:
    print(f"steps per CPU-second (medians) of the engine in {args.against} ('before') and this one")
    print(f"{'case':26s} {'BLAS':>4s} {'before/s':>10s} {'this/s':>10s} {'before/this':>11s} {'same rows':>9s}")
    results = []
    for c in cases:
        for t in threads:
            r = run_child(c, t, args)
            results.append(r)
            med = r["median_cpu"]
            print(f"{r['desc']:26s} {t:>4d} {med['before']:10.1f} {med['this']:10.1f} "
                  f"{r['ratio_before_over_this_cpu']:10.3f}× {str(r['same_rows']):>9s}", flush=True)
    write_json(args, info, results)
    return 0


def write_json(args, info: dict, results: list[dict]) -> None:
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"machine": info, "command": " ".join(["python"] + sys.argv),
                                    "results": results}, indent=1) + "\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    raise SystemExit(main())
