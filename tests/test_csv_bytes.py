"""Issue 17: a file's numbers are read from its bytes (no 4-bytes-a-character copy of the text
at 1M rows). The result must be the text's: every dataset and every refusal the same, with a
byte-order mark, CRLF line ends and trailing blank lines too."""
from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from core.engine.csv_data import DataError, load_csv, parse_csv_text

DATA = Path(__file__).resolve().parent / "data"


def outcome(load):
    try:
        d = load()
    except DataError as e:
        return ("refused", str(e))
    return ("read", d.X.tobytes(), d.Y.tobytes(), d.feature_names, d.target_name)


def files(tmp_path: Path) -> list[Path]:
    found = sorted(DATA.glob("*.csv")) + sorted((DATA / "bad").iterdir())
    story = (DATA / "story200.csv").read_bytes()
    for name, data in (("bom.csv", b"\xef\xbb\xbf" + story), ("crlf.csv", story.replace(b"\n", b"\r\n")),
                       ("blank_end.csv", story + b"\n\n"), ("spaces.csv", story.replace(b",", b" , ")),
                       ("one_row.csv", b"x,y\n1,2\n"), ("header_only.csv", b"x,y\n")):
        (tmp_path / name).write_bytes(data)
        found.append(tmp_path / name)
    return found


def test_bytes_and_text_give_the_same_dataset(tmp_path):
    seen = 0
    for p in files(tmp_path):
        if p.is_dir() or p.suffix not in (".csv", ".txt", ""):
            continue
        raw = p.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            continue  # refused before either reader (test_bad_input covers it)
        assert outcome(lambda: load_csv(p)) == outcome(lambda: parse_csv_text(text, str(p))), p.name
        seen += 1
    assert seen >= 20


def test_a_large_table_is_read_from_its_bytes(tmp_path):
    rng = np.random.default_rng(0)
    values = rng.normal(size=(5000, 3))
    p = tmp_path / "big.csv"
    np.savetxt(p, values, delimiter=",", header="a,b,y", comments="", fmt="%.6f")
    d = load_csv(p)
    assert d.X.shape == (2, 5000) and np.allclose(d.Y[0], values[:, 2], atol=1e-6)
    with pytest.raises(DataError, match="line 3 has 1 field"):
        parse_csv_text("a,b\n1,2\n3\n", "ragged.csv")
    (tmp_path / "ragged.csv").write_bytes(b"a,b\n1,2\n3\n")
    with pytest.raises(DataError, match="line 3 has 1 field"):
        load_csv(tmp_path / "ragged.csv")


def test_loading_peaks_near_the_files_size(tmp_path):
    """The file's bytes and the table of values, and no copy of either: 4.8x the file's
    size before (a decoded text, a copy of the bytes after the header, |values|), 2.1x now."""
    rng = np.random.default_rng(1)
    p = tmp_path / "m.csv"
    np.savetxt(p, rng.normal(size=(50_000, 2)), delimiter=",", header="x,y", comments="", fmt="%.9f")
    load_csv(p)  # NumPy's own first-call allocations are not the loader's
    tracemalloc.start()
    try:
        d = load_csv(p)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert d.X.shape == (1, 50_000)
    assert peak < 2.5 * p.stat().st_size, peak / p.stat().st_size


def test_bad_bytes_in_a_table_still_get_their_own_message(tmp_path):
    p = tmp_path / "latin1.csv"
    p.write_bytes("x,y\n1,2\n3,4\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match="invalid UTF-8"):
        load_csv(p)
    p.write_bytes(b"x,y\n1,2\n3,\x004\n")
    with pytest.raises(DataError, match="NUL bytes"):
        load_csv(p)
