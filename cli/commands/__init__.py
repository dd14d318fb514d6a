"""CLI commands: each module defines `register(subparsers)` and sets `run=` on its parser.

Example:
    def register(commands):
        parser = commands.add_parser("generate", help="...")
        parser.add_argument(...)
        parser.set_defaults(run=run)
"""
