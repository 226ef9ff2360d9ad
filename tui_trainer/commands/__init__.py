"""Subcommands: each module has `register(subparsers, common_parent)` that adds its parsers
and sets `handler=` on them. Handlers import heavy modules lazily so `--help` stays fast."""
