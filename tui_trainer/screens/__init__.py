"""Screens of the TUI: the main training screen and the help screen."""
