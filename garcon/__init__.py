"""garcon: flows of activities on Amazon SWF, compatible with the garcon library.

Modules: `activity` (define activities), `runner` and `task` (what they run), `param`,
`decider` (the pure decider: history in, decisions out), `history` (the fold of a history),
`budget` (the history budget), `limits` (SWF's quotas), `worker` (the production workers).
"""
