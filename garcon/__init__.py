"""garcon: flows of activities on Amazon SWF, compatible with the garcon library.

Modules: `activity` (define activities), `runner` and `task` (what they run), `param`,
`decider` (the pure decider: history in, decisions out), `history` (the fold of a history),
`budget` (the history budget), `limits` (SWF's quotas), `worker` (the production workers);
and garcon 1.1.1's own modules over the same core: `event`, `context`, `utils`, `log`.
"""


class GarconWarning(UserWarning):
    """Code that garcon 1.1.1 accepted but that is likely a mistake (a `fill()` of a parameter
    the task does not have, an unknown activity option, an activity without a runner). Turn
    it into an error with `warnings.simplefilter("error", GarconWarning)` before the flow is
    imported (or pytest's `-W error::garcon.GarconWarning`)."""
