"""Handing the trainer to the training process without copying its data in the app.

multiprocessing's spawn pickles a process's arguments into one bytes object before it writes
them: at 1M samples the trainer (its dataset and split) made a ~40 MB pickle, built in a
growing buffer, on top of the arrays themselves; that was the app's peak memory. Pickle
protocol 5 leaves contiguous NumPy arrays out of the stream ("out-of-band" buffers), so here
the stream is small and each array's own memory is written to the pipe as it is.

It also lets the training process start before there is a trainer to give it: the app starts
the child, shows its preview frame while the child imports NumPy, then hands the trainer over.

    send_object(conn, obj)   head (sizes), the pickle stream, then each buffer in order
    recv_object(conn)        the same object, its arrays writable (read into bytearrays)
"""
from __future__ import annotations

import fcntl
import pickle


def send_object(conn, obj) -> None:
    """Write `obj` to a multiprocessing Connection; arrays go as their own memory, uncopied.
    Raises OSError (or ValueError) when the other end is gone."""
    buffers: list[pickle.PickleBuffer] = []
    stream = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
    raws = [b.raw() for b in buffers]   # NumPy passes only contiguous arrays out of band
    conn.send([r.nbytes for r in raws])
    conn.send_bytes(stream)
    for raw in raws:
        conn.send_bytes(raw)


def recv_object(conn):
    """Read what send_object wrote. Raises EOFError when the other end went first."""
    sizes = conn.recv()
    stream = conn.recv_bytes()
    # bytearrays, not bytes: arrays unpickled over bytes would be read-only, and the trainer
    # writes into its buffers.
    buffers = [_recv_into(conn, n) for n in sizes]
    return pickle.loads(stream, buffers=buffers)


def _recv_into(conn, size: int) -> bytearray:
    buf = bytearray(size)
    conn.recv_bytes_into(buf)
    return buf


# A frame at 1M samples pickles to ~350 KB and the state sent after a key's frame
# (checkpoint.py) to ~1.5 MB, through a pipe that holds 64 KB: the training process sat ~11 ms
# a frame in write() until the app's relay thread, sharing the app's GIL with the screen, had
# read it all, and a key pressed meanwhile waited. Linux lets a pipe hold up to
# /proc/sys/fs/pipe-max-size (1 MB unless raised) without privileges.
PIPE_BYTES = 1 << 20


def widen_pipe(conn, size: int = PIPE_BYTES) -> bool:
    """Let the pipe behind `conn` hold `size` bytes (Linux; elsewhere, or when refused, it
    keeps its size). True when it took."""
    setsz = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setsz is None:
        return False
    try:
        fcntl.fcntl(conn.fileno(), setsz, size)
    except OSError:
        return False
    return True
