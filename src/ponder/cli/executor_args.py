"""``--executor`` and the ``--ray-*`` flags of ``ponder eval`` and ``ponder run -f``.

Flags win over ``ponder.toml`` (``executor = "ray"`` and its ``[ray]`` table); the Ray address
is ``--ray-address``, then ``RAY_ADDRESS``, then ``[ray] address``, else a local Ray instance.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ponder.config import PonderConfig
    from ponder.evals.executors.base import Executor

RAY_FLAGS = ("ray_address", "ray_actors", "ray_cpus", "ray_gpus")


def add_executor_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("running on a Ray cluster")
    group.add_argument(
        "--executor", choices=["local", "ray"],
        help="what runs the cases: threads in this process (local, the default) or actors on a Ray cluster "
        "(ray; pip install 'ponder[ray]'); ponder.toml: executor = \"ray\"",
    )  # fmt: skip
    group.add_argument(
        "--ray-address", metavar="HOST:PORT",
        help="the Ray cluster to join (default: RAY_ADDRESS, then [ray] address, else a local Ray instance)",
    )  # fmt: skip
    group.add_argument("--ray-actors", type=int, metavar="N", help="actors, each holding its own agent (default: as many as the CPUs allow)")
    group.add_argument("--ray-cpus", type=float, metavar="N", help="CPUs each actor reserves (default 1)")
    group.add_argument("--ray-gpus", type=float, metavar="N", help="GPUs each actor reserves, for a GPU build of llama.cpp (default 0)")


def executor_from_args(args: argparse.Namespace, *, concurrency: int, config: PonderConfig | None = None) -> Executor | None:
    """The Ray executor the flags and config ask for, or None for the local one (``concurrency`` is per actor)."""
    from ponder.config import load_config
    from ponder.errors import InputError

    config = config if config is not None else load_config()
    kind = args.executor or config.executor
    if kind != "ray":
        given = [f"--{name.replace('_', '-')}" for name in RAY_FLAGS if getattr(args, name, None) is not None]
        if given:
            raise InputError(f"{given[0]} is for the Ray executor", fix="add --executor ray (or executor = \"ray\" in ponder.toml)")
        return None
    from ponder.evals.executors.ray import RayExecutor
    from ponder.evals.executors.ray_session import chosen_address

    ray = config.ray
    return RayExecutor(
        address=chosen_address(args.ray_address, ray.address),
        actors=args.ray_actors if args.ray_actors is not None else ray.actors,
        concurrency=concurrency,
        num_cpus=args.ray_cpus if args.ray_cpus is not None else ray.num_cpus,
        num_gpus=args.ray_gpus if args.ray_gpus is not None else ray.num_gpus,
    )


def describe_plan(executor: Executor | None) -> str | None:
    """A line for the terminal before a Ray run starts (it takes seconds to join or start a cluster)."""
    from ponder.evals.executors.ray import RayExecutor
    from ponder.evals.executors.ray_session import LOCAL

    if not isinstance(executor, RayExecutor):
        return None
    where = "a local Ray instance" if executor.address == LOCAL else f"the Ray cluster at {executor.address}"
    actors = f"{executor.actors} actors" if executor.actors else "one actor per CPU"
    return f"ray: {actors} on {where}, {executor.concurrency} run(s) at once each"
