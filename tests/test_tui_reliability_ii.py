"""Issue 17 (Reliability II) in the TUI: the command palette's page keys before its list is laid
out, closing the terminal with the palette open, a stuck exit after saving, and the working
folder deleted while training runs. (The training process killed: test_training_process_lost.py;
random keys: test_key_fuzz.py.)"""
from __future__ import annotations

import os
import shutil
import signal
import time

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Input

from core.logs.runlog import read_log
from tui_trainer import quitting
from tui_trainer.app import TrainerApp
from tui_trainer.palette import SafeCommandPalette
from tui_trainer.widgets.notice_line import NoticeLine

SIZE = (120, 40)


def notice_text(app) -> str:
    return app.main.query_one(NoticeLine).render().plain


async def open_palette(pilot, wait_until) -> SafeCommandPalette:
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette), what="the palette")
    return pilot.app.screen


# ---- the palette ---------------------------------------------------------------------------

async def test_page_keys_before_the_palette_list_is_laid_out(tui_app, settle, wait_until):
    """What Ctrl+P then PageDown within ~100 ms does, made deterministic: the list gets its
    options and a highlight (as the palette's search does when it finishes) and a page key
    arrives before the next layout."""
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        palette = await open_palette(pilot, wait_until)
        assert type(palette) is SafeCommandPalette
        commands = palette.query_one(CommandList)
        await wait_until(pilot, lambda: commands.option_count > 0, what="the palette's list")

        async def race(action):
            commands.clear_options()
            await pilot.pause(0.05)  # laid out empty, as when the palette opens
            commands.add_options([f"command {i}" for i in range(40)])
            commands.highlighted = 0
            action()  # before the next layout

        # Textual's own palette raises here (docs/UPSTREAM.md); when that is fixed upstream this
        # fails, and palette.py can go.
        with pytest.raises(KeyError):
            await race(lambda: CommandPalette._action_command_list(palette, "page_down"))
        await race(lambda: palette._action_command_list("page_down"))
        await race(lambda: palette._action_command_list("page_up"))
        await pilot.pause(0.1)
        palette._action_command_list("page_down")  # laid out now: the page key moves
        assert commands.highlighted > 0
        await pilot.press("escape")
        await settle(pilot)
        assert app.is_running and app.screen is app.main


async def test_the_palette_under_fast_keys(tui_app, settle, wait_until):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for keys in (["ctrl+p", "pagedown"], ["ctrl+p", "pageup", "pagedown", "down", "pagedown"],
                     ["ctrl+p", "l", "r", "pagedown", "pageup"], ["ctrl+p", "end", "home", "pagedown"]):
            await pilot.press(*keys)
            await pilot.press("escape")
            await pilot.pause(0.05)
            while isinstance(app.screen, CommandPalette):
                await pilot.press("escape")
        await pilot.press("ctrl+p", "r", "u", "n", "enter")  # the palette still runs a command
        await wait_until(pilot, lambda: app.frame.running, what="r from the palette")
        assert app.is_running and not app.main.error


async def test_two_enters_queued_in_the_palette(tui_app, settle, wait_until):
    """The second enter reaches the palette after the first closed it: Textual's palette then
    dismisses itself again (ScreenStackError, the app ends); here it is dropped."""
    from textual import events
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        palette = await open_palette(pilot, wait_until)
        await pilot.press("r", "u", "n")
        commands = palette.query_one(CommandList)  # the search for "run" has listed its commands
        await wait_until(pilot, lambda: commands.option_count > 0 and palette.query_one(Input).value == "run",
                         what="the palette's search")
        await pilot.pause(0.1)
        for _ in range(2):  # posted together, as fast typing sends them
            event = events.Key("enter", "\r")
            event.set_sender(app)
            app._driver.send_message(event)
        await wait_until(pilot, lambda: app.frame.running, what="r from the palette")
        assert app.is_running and app.screen is app.main and app._exception is None


async def test_a_search_that_ends_after_the_palette_closed(tui_app, settle, wait_until):
    """Random keys: a search still under way as the palette closed set the list's visibility
    afterwards; Textual's watcher looked the list up (NoMatches) and the app ended."""
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        palette = await open_palette(pilot, wait_until)
        await palette.query_one(CommandList).remove()  # what closing leaves a late search
        palette._list_visible = not palette._list_visible
        palette._show_busy = True
        palette._gather_commands("r")
        await pilot.pause(0.2)
        assert app.is_running and app._exception is None
        await pilot.press("escape")
        await pilot.press("space")
        await settle(pilot)
        assert app.frame.snapshot.step == 1


async def test_a_check_replaced_before_it_mounted(tui_app, settle, wait_until):
    """Random keys: o, then o again before the first screen had mounted (its own queue is not
    the app's); the first one's on_mount looked its box up after it was gone and the app ended.
    Here its mount and its frames find the box gone, as then."""
    from tui_trainer.screens.checks import ChainRuleScreen, OverfitScreen
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for screen in (OverfitScreen(app.sent), ChainRuleScreen(0, 20, 0)):
            screen.frame = app.frame
            await app.push_screen(screen)
            await wait_until(pilot, lambda: screen.is_mounted, what="the screen")
            await screen.query_one("#check").remove()
            screen.on_mount()
            screen.watch_frame(app.frame)
            assert app.is_running and app._exception is None
            app.pop_screen()
            await pilot.pause()


async def test_ctrl_p_again_while_the_last_palette_is_being_removed(tui_app, settle, wait_until):
    """Random keys: escape, then Ctrl+P at once; the closed palette was still registered under
    the id the new one took (DuplicateIds, the app ended)."""
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for _ in range(2):  # (the second: after a palette opened that way)
            palette = await open_palette(pilot, wait_until)
            palette.dismiss()             # escape: the palette goes, removed a moment later,
            app.action_command_palette()  # and Ctrl+P in that moment
            await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette) and app.screen is not palette,
                             what="the new palette")
            assert app.is_running and app._exception is None
            await pilot.press("escape")
            await pilot.pause(0.05)


async def test_every_palette_the_app_opens_is_guarded(tui_app, settle, wait_until):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.search_themes()
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the theme palette")
        assert type(app.screen) is SafeCommandPalette
        await pilot.press("escape")
        app.search_commands([])
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="a command list")
        assert type(app.screen) is SafeCommandPalette


# ---- closing the terminal ---------------------------------------------------------------------

async def test_sighup_with_the_palette_open_saves_and_exits(tui_app, settle, wait_until, tmp_path):
    runs = tmp_path / "runs"
    app = tui_app(pace=1000, runs_dir=runs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await wait_until(pilot, lambda: app.frame.snapshot.step > 100, what="training")
        await open_palette(pilot, wait_until)
        os.kill(os.getpid(), signal.SIGHUP)
        await wait_until(pilot, lambda: not app.is_running, timeout=10, what="the app to exit on SIGHUP")
        ended = time.time()
    assert app.return_code == 129 and app.exit_status() == 129
    (saved,) = runs.glob("*.jsonl")
    assert ended - saved.stat().st_mtime < 2  # exits within 2 s of saving
    assert read_log(saved).end["step"] == app.session._trainer.step_count
    assert signal.getsignal(signal.SIGHUP) == signal.SIG_DFL


async def test_a_signal_is_the_exit_status_even_if_the_shutdown_then_fails(tui_app, settle, wait_until,
                                                                             tmp_path, monkeypatch):
    """A closed terminal: SIGHUP, and then the app's own writes fail as it shuts down (an error,
    return code 1). The process still ends with 129, as one killed by SIGHUP would: a fresh
    clone's run of the real-terminal test below once saw 1."""
    app = tui_app(runs_dir=tmp_path / "runs")

    async def failing(return_code: int = 0) -> None:
        raise OSError(5, "Input/output error")  # as a write to the closed terminal
    monkeypatch.setattr(app, "quit_saving", failing)
    monkeypatch.setattr(app, "_hard_exit", lambda code: None)
    with pytest.raises(OSError):
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            os.kill(os.getpid(), signal.SIGHUP)
            await wait_until(pilot, lambda: not app.is_running, timeout=10, what="the app to end")
    assert app.return_code == 1 and app.exit_status() == 129
    assert signal.getsignal(signal.SIGHUP) == signal.SIG_DFL


def test_a_closed_terminal_failing_textuals_last_print_still_saves_and_ends_with_129(tui_app, monkeypatch):
    """Seen on fresh clones: after SIGHUP, Textual's shutdown printed the app's errors to the
    closed terminal, and the EIO left App.run; main() then took it for bad input, its own
    message met EIO too, and the process ended with 1, past run_tui's save."""
    from tui_trainer.app import run_tui
    app = tui_app()
    saved = []

    def run_on_a_closed_terminal(*args, **kwargs):
        app._signal_exit = 129
        raise OSError(5, "Input/output error")
    monkeypatch.setattr(app, "run", run_on_a_closed_terminal)
    monkeypatch.setattr(app, "save_unsaved", lambda: saved.append(1) or False)
    assert run_tui(app) == 129 and saved == [1]
    app._signal_exit = None
    monkeypatch.setattr(app, "run", lambda *a, **k: (_ for _ in ()).throw(OSError(5, "Input/output error")))
    with pytest.raises(OSError):  # no signal: a real failure, reported as such
        run_tui(app)


class StuckExit:
    """Records the watchdog's hard exit instead of ending the test's process."""

    def __init__(self, app):
        self.at: float | None = None
        self.code: int | None = None
        app._hard_exit = self

    def __call__(self, code: int) -> None:
        self.at, self.code = time.time(), code


async def test_an_exit_stuck_after_saving_is_ended_by_the_watchdog(tui_app, settle, wait_until, tmp_path,
                                                                   monkeypatch):
    """As on a closed terminal, where Textual's shutdown can wait forever on its output thread:
    the app saves, then never ends; the watchdog ends the process within 2 s of the save."""
    runs = tmp_path / "runs"
    app = tui_app(runs_dir=runs)
    hard = StuckExit(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await open_palette(pilot, wait_until)
        exits = []
        monkeypatch.setattr(app, "exit", lambda return_code=0, **_: exits.append(return_code))
        os.kill(os.getpid(), signal.SIGHUP)
        await wait_until(pilot, lambda: hard.at is not None, timeout=5, what="the watchdog")
        (saved,) = runs.glob("*.jsonl")
        assert hard.code == 129 and exits == [129]
        assert 0 < hard.at - saved.stat().st_mtime_ns / 1e9 < quitting.EXIT_GRACE + 0.5
        monkeypatch.undo()
    assert read_log(saved).end["step"] == 10


async def test_a_stuck_event_loop_is_saved_by_the_watchdog(tui_app, settle, tmp_path):
    """The event loop blocked (as on a write to a closed terminal): the signal's own handler
    still runs; the watchdog saves the run and ends the process."""
    runs = tmp_path / "runs"
    app = tui_app(runs_dir=runs)
    hard = StuckExit(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        os.kill(os.getpid(), signal.SIGHUP)
        time.sleep(quitting.SAVE_WAIT + quitting.EXIT_GRACE + 1.0)  # the loop stuck, not awaiting
        assert hard.code == 129
        (saved,) = runs.glob("*.jsonl")
        assert read_log(saved).end["step"] == 10
        assert app.quit_report == [(False, f"unsaved training saved to {saved}")]


# ---- the working folder deleted ---------------------------------------------------------------

async def test_working_folder_deleted_while_running(tmp_path, monkeypatch, settle, wait_until, runs_fallback):
    from core.engine.config import TrainConfig
    from core.engine.data import story_problem
    from core.engine.trainer import Trainer
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    app = TrainerApp(Trainer(TrainConfig(), story_problem()), backend="thread", pause_on_trouble=False)
    assert app.runs_dir == work / "runs"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await wait_until(pilot, lambda: app.frame.snapshot.step > 100, what="training")
        shutil.rmtree(work)
        await pilot.press("e")
        # The CSV is written after the log, and the notice after both: wait for all three (a
        # wait that happened to last a second hid that the test could look in between).
        await wait_until(pilot, lambda: len(list(runs_fallback.glob("*.jsonl"))) == 1
                         and len(list(runs_fallback.glob("*.csv"))) == 1, what="the export")
        (exported,) = runs_fallback.glob("*.jsonl")
        await wait_until(pilot, lambda: exported.name in notice_text(app), what="the export's notice")
        assert exported.with_suffix(".csv").exists()
        text = " ".join(str(n.message) for n in app._notifications)
        assert f"the folder {work} no longer exists; saved under {runs_fallback} instead" in text
        assert exported.name in notice_text(app)
        await pilot.press("r", "space")
        await settle(pilot)
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, what="the app to exit")
    assert app.return_code == 0 and not work.exists()
    (saved,) = set(runs_fallback.glob("*.jsonl")) - {exported}
    assert app.quit_report == [(False, f"the folder {work} no longer exists; "
                                       f"unsaved training saved to {saved} instead")]
    assert read_log(saved).end["step"] == app.session._trainer.step_count


def test_closing_a_real_terminal_with_the_palette_open(tmp_path):
    """The console script on a pseudo-terminal that is its controlling terminal: training runs,
    the palette is open, the terminal goes away (the master closed: SIGHUP, then EIO on every
    write). It saves and exits within 2 s of saving, status 129 (it used to hang forever)."""
    import fcntl
    import pty
    import select
    import struct
    import subprocess
    import sys
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("TEXTUAL", None)
    proc = subprocess.Popen([sys.executable, "-m", "tui_trainer"], cwd=tmp_path, env=env, stdin=slave,
                            stdout=slave, stderr=slave, start_new_session=True,
                            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
    os.close(slave)
    buf = bytearray()

    def read_for(seconds: float, until: bytes | None = None) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end and (until is None or until not in buf):
            if select.select([master], [], [], 0.05)[0]:
                try:
                    buf.extend(os.read(master, 65536))
                except OSError:
                    return
    try:
        read_for(30, b"state")
        os.write(master, b"r")
        read_for(20, b"running")
        os.write(master, b"\x10")  # Ctrl+P
        read_for(1.0)
        os.close(master)
        code = proc.wait(timeout=20)
        ended = time.time()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 129, bytes(buf[-1500:])
    (saved,) = (tmp_path / "runs").glob("*.jsonl")
    assert read_log(saved).end["step"] > 0
    assert ended - saved.stat().st_mtime < 2.5  # 2 s, and the wait's own polling
