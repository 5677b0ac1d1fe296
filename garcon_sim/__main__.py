"""`python -m garcon_sim`: the `garcon-sim` command, where the console script is not on PATH."""
import sys

from garcon_sim.cli import main

sys.exit(main())
