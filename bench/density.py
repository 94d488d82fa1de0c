"""Density (kube's seed 002): pods created at a set rate on simulated nodes; pod startup and API call SLOs.

``python -m bench density -- --pods 3000 --nodes 100`` is ``aiokube bench density --pods 3000 --nodes 100``
(the harness is aiokube.apiserver.simulation.density: it can target any API server, see ``--help``).
Writes density.json/.md/.png under bench/out/ unless ``--out`` says where (``--out bench/results`` replaces
the committed run the README shows).
"""

from __future__ import annotations

import argparse
import sys

from aiokube.apiserver.simulation import command, density


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench density", description=__doc__.split("\n\n")[0])
    command.add_density_arguments(parser)
    code = density.main(parser.parse_args(argv if argv is not None else sys.argv[1:]))
    if code:
        raise SystemExit(code)


if __name__ == "__main__":
    main()
