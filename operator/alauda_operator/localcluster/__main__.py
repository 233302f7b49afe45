"""`python -m alauda_operator.localcluster up|down|status|env [--name NAME]`.

`up` prints progress on stderr and only the kubeconfig path on stdout, so
`export KUBECONFIG=$(python -m alauda_operator.localcluster up)` works.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys

from .cluster import ClusterError, LocalCluster
from .components import COMPONENTS
from .paths import BuildError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m alauda_operator.localcluster")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start the cluster (build binaries if missing)")
    up.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for Ready")
    up.add_argument(
        "--fresh", action="store_true", help="if stopped, discard its data and start anew"
    )
    down = sub.add_parser("down", help="stop every process of the cluster")
    down.add_argument("--purge", action="store_true", help="also delete its state dir")
    sub.add_parser("status", help="show processes and readiness; exit 1 if not running")
    sub.add_parser("env", help="print `export KUBECONFIG=...`")
    for p in sub.choices.values():
        p.add_argument("--name", default="dev", help="cluster name (default: dev)")
    return parser


def _status(cluster: LocalCluster) -> int:
    if not cluster.state_dir.exists():
        print(f"cluster {cluster.name!r}: not created ({cluster.state_dir})")
        return 1
    running = cluster.is_running()
    print(f"cluster {cluster.name!r}: {'running' if running else 'not running'}")
    print(f"  state:      {cluster.state_dir}")
    with contextlib.suppress(ClusterError):
        print(f"  server:     {cluster.server}")
    print(f"  kubeconfig: {cluster.kubeconfig}")
    procs = cluster.processes()
    for name in COMPONENTS:
        pid, alive = procs.get(name, (None, False))
        state = "up" if alive else "down"
        print(f"  {name:<24} {state:<5} pid {pid if pid else '-'}")
    return 0 if running else 1


def main(argv: list[str] | None = None) -> int:
    # `status | head` should end quietly, not with a BrokenPipeError trace.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = _parser().parse_args(argv)
    cluster = LocalCluster(args.name)
    try:
        if args.command == "up":
            info = cluster.up(timeout=args.timeout, fresh=args.fresh)
            print(info.kubeconfig)
        elif args.command == "down":
            cluster.down(purge=args.purge)
        elif args.command == "status":
            return _status(cluster)
        elif args.command == "env":
            print("\n".join(cluster.env_lines()))
    except (ClusterError, BuildError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
