"""``alauda-operator``: one command with three subcommands.

- ``run``: the operator (reconciles AlaudaService resources);
- ``api``: the v1 REST facade;
- ``dev``: both, plus the local control plane when no cluster answers (``make run``).

``run`` and ``api`` hand their own arguments to the component, which owns its
options; ``alauda-operator run --help`` lists them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

DESCRIPTION = __doc__


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="alauda-operator",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--settings",
        metavar="FILE",
        help="platform settings YAML (also $ALAUDA_SETTINGS_FILE); see docs/configuration.md",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="run the operator", add_help=False)
    commands.add_parser("api", help="run the v1 REST facade", add_help=False)
    commands.add_parser("dev", help="local control plane + operator + facade", add_help=False)
    args, rest = parser.parse_known_args(argv)
    if args.settings:
        os.environ["ALAUDA_SETTINGS_FILE"] = args.settings

    if args.command == "run":
        from alauda_operator.controller.main import main as run_operator

        return run_operator(rest)
    if args.command == "api":
        from alauda_operator.facade.main import main as run_facade

        return run_facade(rest)
    from alauda_operator.devrun import main as run_dev

    return run_dev(rest)


if __name__ == "__main__":
    sys.exit(main())
