"""The learner's file runs here, in a child process of its own (runner.py starts it).

A learner's code can loop forever, print, read stdin, call exit() or crash; none of that may
reach the app. So: the protocol uses duplicates of stdin/stdout (the learner's print goes to
stderr, input() sees end of file), every top-level statement and every call runs under a
watchdog (faulthandler dumps where it was stuck, then ends the process), and an exception is
described by the deepest line inside the learner's file, never by a traceback of ours.

Top-level statements run one by one: a failing `from dnn_utils import *` or a notebook's test
cell is noted and skipped, and the functions defined after it are still checked.
"""
from __future__ import annotations

import __future__
import ast
import builtins
import copy
import faulthandler
import os
import pickle
import signal
import struct
import sys

from .course import Course

COURSE_NAMES = (
    "initialize_parameters_deep", "sigmoid", "relu", "sigmoid_backward", "relu_backward",
    "linear_forward", "linear_activation_forward", "L_model_forward", "compute_cost",
    "linear_backward", "linear_activation_backward", "L_model_backward", "update_parameters",
)
STEP_FUNCTIONS = ("L_model_forward", "compute_cost", "L_model_backward", "update_parameters")
_MISSING = object()


def send(stream, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def receive(stream):
    header = stream.read(8)
    if len(header) < 8:
        raise EOFError
    return pickle.loads(stream.read(struct.unpack("<Q", header)[0]))


class Watchdog:
    """Ends the process after `limit` seconds, leaving the stuck frames in the dump file."""

    def __init__(self, dump_path: str, limit: float):
        self.file = open(dump_path, "wb", buffering=0)
        self.limit = limit

    def __enter__(self):
        os.ftruncate(self.file.fileno(), 0)
        os.lseek(self.file.fileno(), 0, os.SEEK_SET)
        faulthandler.dump_traceback_later(self.limit, exit=True, file=self.file)

    def __exit__(self, *exc):
        faulthandler.cancel_dump_traceback_later()


class Learner:
    def __init__(self, path: str, watchdog: Watchdog, out):
        self.path, self.watchdog, self.out = path, watchdog, out
        with open(path, encoding="utf-8") as f:
            self.source = f.read()
        self.lines = self.source.splitlines()
        self.ns = {"__name__": "learner", "__file__": path, "__builtins__": builtins}
        self.reference = Course()

    def line(self, n: int | None) -> str:
        return self.lines[n - 1].strip() if n and 0 < n <= len(self.lines) else ""

    def where(self, exc: BaseException, fn=None) -> dict:
        """The deepest frame inside the learner's file; else the function's def line (an error
        raised by the call itself, such as a wrong number of arguments)."""
        lineno = None
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self.path:
                lineno = tb.tb_lineno
            tb = tb.tb_next
        at_call = lineno is None
        if at_call and fn is not None and getattr(fn, "__code__", None) is not None:
            lineno = fn.__code__.co_firstlineno
        text = f"{type(exc).__name__}: {exc}".rstrip(": ")
        return {"error": text, "line": lineno, "code": self.line(lineno), "at_call": at_call}

    def load(self, skip: set[int]) -> None:
        tree = ast.parse(self.source, self.path)
        flags, notes = 0, []
        for i, stmt in enumerate(tree.body):
            if i in skip:
                continue
            if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
                for alias in stmt.names:
                    flags |= getattr(__future__, alias.name).compiler_flag
            send(self.out, ("exec", i, stmt.lineno))
            code = compile(ast.Module([stmt], type_ignores=[]), self.path, "exec", flags=flags, dont_inherit=True)
            try:
                with self.watchdog:
                    exec(code, self.ns)
            except BaseException as e:  # noqa: BLE001 - the learner's top level may even call exit()
                notes.append(self.where(e))
        names = [n for n in COURSE_NAMES if callable(self.ns.get(n))]
        send(self.out, ("loaded", names, notes))

    def call(self, name: str, args: tuple, substitutes: list[str]):
        fn = self.ns[name]
        saved = {s: self.ns.get(s, _MISSING) for s in substitutes}
        for s in substitutes:  # the reference stands in for a missing or failing callee
            self.ns[s] = getattr(self.reference, s)
        target, returned = getattr(fn, "__code__", None), [None]

        def profile(frame, event, arg):
            if event == "return" and frame.f_code is target:
                returned[0] = frame.f_lineno
        try:
            with self.watchdog:
                sys.setprofile(profile)
                try:
                    value = fn(*args)
                finally:
                    sys.setprofile(None)
        except BaseException as e:  # noqa: BLE001
            return ("raised", self.where(e, fn))
        finally:
            for s, v in saved.items():
                if v is _MISSING:
                    self.ns.pop(s, None)
                else:
                    self.ns[s] = v
        return ("ok", value, {"line": returned[0], "code": self.line(returned[0])})

    def step(self, X, Y, params, lr, keep_forward: bool, lines: bool):
        """One gradient-descent step by the learner's four step functions, in one request (the
        app trains with it: runner.step). ("ok", results) or ("raised", function, where) for
        the first that raised or returned no (AL, caches). `keep_forward`: also the forward
        pass's output as it returned, before L_model_backward could change the caches in place
        (the parent compares it with the reference's). `lines`: each function's return line
        too, by `call` (a profile hook and a watchdog per call: several times slower, so asked
        for only when a result needs explaining); else one watchdog for the whole step."""
        returned = {}

        def traced(name, *args):
            reply = self.call(name, args, ())
            if reply[0] != "ok":
                raise _Stopped(("raised", name, reply[1]))
            returned[name] = reply[2]
            return reply[1]

        def fast(name, *args):
            fn = self.ns[name]
            try:
                return fn(*args)
            except BaseException as e:  # noqa: BLE001 - as in call
                raise _Stopped(("raised", name, self.where(e, fn))) from None
        try:
            if lines:
                return self._step(traced, returned, X, Y, params, lr, keep_forward)
            # No watchdog thread for a fast step (starting and joining one costs more than the
            # step on a busy machine): a timer signal, whose handler (main) dumps the stuck
            # frames and ends the process, as the watchdog does.
            with _Alarm(self.watchdog.limit):
                return self._step(fast, returned, X, Y, params, lr, keep_forward)
        except _Stopped as stop:
            return stop.reply

    def _step(self, run, returned, X, Y, params, lr, keep_forward):
        forward = run("L_model_forward", X, params)
        if not (isinstance(forward, (tuple, list)) and len(forward) == 2):
            info = returned.get("L_model_forward", {"line": None, "code": ""})
            return ("raised", "L_model_forward", {"error": f"returned {_kind(forward)}, expected (AL, caches)",
                                                  "line": info["line"], "code": info["code"], "at_call": False})
        kept = copy.deepcopy(forward) if keep_forward else None
        AL, caches = forward
        cost = run("compute_cost", AL, Y)
        grads = run("L_model_backward", AL, Y, caches)
        new = run("update_parameters", params, grads, lr)
        return ("ok", {"forward": kept, "cost": cost, "grads": grads, "params": new, "lines": returned})


class _Alarm:
    def __init__(self, limit: float):
        self.limit = limit if hasattr(signal, "setitimer") else 0.0

    def __enter__(self):
        if self.limit:
            signal.setitimer(signal.ITIMER_REAL, self.limit)

    def __exit__(self, *exc):
        if self.limit:
            signal.setitimer(signal.ITIMER_REAL, 0)


class _Stopped(Exception):
    def __init__(self, reply):
        self.reply = reply


def _kind(x) -> str:
    if isinstance(x, (tuple, list)):
        return f"a {type(x).__name__} of {len(x)}"
    return "None" if x is None else f"a {type(x).__name__}"


def main() -> None:
    path, dump_path, limit, skip = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    proto_in = os.fdopen(os.dup(0), "rb")
    out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    sys.stdin = open(os.devnull)
    folder = os.path.dirname(path)
    os.chdir(folder)
    sys.path.insert(0, folder)  # the learner's own helper modules, as when he runs the file
    learner = Learner(path, Watchdog(dump_path, limit), out)
    if hasattr(signal, "setitimer"):  # a fast step's time limit: dump the stuck frames, then end (chain)
        faulthandler.register(signal.SIGALRM, file=learner.watchdog.file, all_threads=True, chain=True)
    learner.load({int(i) for i in skip.split(",") if i})
    data = ()
    while True:
        try:
            request = receive(proto_in)
        except EOFError:
            return
        if request[0] == "data":  # X and Y for the steps that follow (sent once, not every step)
            data = request[1:]
            continue
        if request[0] == "step":
            _reply_step(out, learner.step(*data, *request[1:]))
            continue
        _, name, args, substitutes = request
        reply = learner.call(name, args, substitutes)
        try:
            send(out, reply)
        except Exception as e:  # noqa: BLE001 - the value cannot cross to the parent
            send(out, ("raised", {"error": f"the result cannot be sent back ({type(e).__name__}: {e}); "
                                  f"it is {type(reply[1]).__name__}", "line": reply[2]["line"],
                                  "code": reply[2]["code"], "at_call": False}))


def _reply_step(out, reply) -> None:
    try:
        send(out, reply)
    except Exception as e:  # noqa: BLE001 - e.g. a function returned something that does not pickle
        send(out, ("raised", None, {"error": f"the step's results cannot be sent back "
                                    f"({type(e).__name__}: {e})", "line": None, "code": "", "at_call": False}))
