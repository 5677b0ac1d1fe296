"""Generator expansion: an activity's instances are the cartesian product of its generators,
with ids that depend on the instances' values alone."""
from __future__ import annotations

import itertools
import math
import types
from hashlib import sha1

from hypothesis import example, given
from hypothesis import strategies as st

from garcon import activity, runner
from garcon.expansion import Expansions
from garcon.history import HistoryState
from garcon_sim.harness import run_flow
from garcon_sim.strategies import flows

KEYS = ("generator.day", "generator.country", "generator.n", "generator.site", "region",
        "generator.hour", "lang")
TEXT = st.text(st.characters(categories=("L", "N"), include_characters=" -_."), max_size=8)
"""Text values without quote or semicolon: with those, two instances' values can write the
same id text (garcon's wire format, GARCON_COMPAT.md), which no property here claims."""


@st.composite
def generator_values(draw: st.DrawFn) -> list[list[dict]]:
    """What 0 to 3 generators yield: each its own keys (1 or 2), 0 to 4 dicts whose first
    value is unique in the generator; values of one key are all ints or all text."""
    count = draw(st.integers(0, 3))
    keys = draw(st.lists(st.sampled_from(KEYS), min_size=count * 2, max_size=count * 2,
                         unique=True))
    generators = []
    for own in (keys[i:i + 2][:draw(st.integers(1, 2))] for i in range(0, len(keys), 2)):
        size = draw(st.integers(0, 4))
        columns = [draw(st.lists(draw(st.sampled_from([st.integers(-50, 50), TEXT])),
                                 min_size=size, max_size=size, unique=position == 0))
                   for position in range(len(own))]
        generators.append([dict(zip(own, row, strict=True))
                           for row in zip(*columns, strict=True)])
    return generators


def yielding(values: list[dict]):
    return lambda context: (dict(each) for each in values)


def fan(generators: list, name: str = "fan") -> activity.Activity:
    create = activity.create("dev", "expansion")
    return create(name=name, generators=generators,
                  run=runner.Sync(lambda context, activity: None))


def merged(parts: tuple[dict, ...]) -> dict:
    return {key: value for part in parts for key, value in part.items()}


def garcon_id(name: str, values: dict) -> str:
    """The id GARCON_COMPAT.md gives an instance (the wire format of garcon 1.1.1)."""
    if not values:
        return f"{name}-1"
    text = "".join(f"'{key}':'{value}';" for key, value in sorted(values.items()))
    return f"{name}-{sha1(text.encode()).hexdigest()}"


@given(generator_values())
def test_the_instances_are_the_cartesian_product_of_the_generators(values):
    """As many instances as the product of the generators' sizes, one per combination, in
    product order, each with its own id (garcon's: the SHA-1 of its sorted values)."""
    instances = fan([yielding(v) for v in values]).instances({})
    combinations = [merged(parts) for parts in itertools.product(*values)]
    assert len(instances) == math.prod(len(v) for v in values)
    assert [dict(i.local_context) for i in instances] == combinations
    assert len({i.id for i in instances}) == len(instances)
    assert [i.id for i in instances] == [garcon_id("expansion_fan", c) for c in combinations]


@given(generator_values(), st.randoms(use_true_random=False))
def test_an_id_depends_only_on_the_values_of_its_instance(values, random):
    """Shuffling the generators, or the keys in the dicts they yield, or yielding the same
    values from one generator, gives each instance the same id."""
    def ids(generators):
        return {tuple(sorted(i.local_context.items())): i.id
                for i in fan(generators).instances({})}

    shuffled = random.sample(values, len(values))
    reordered = [[dict(reversed(each.items())) for each in v] for v in shuffled]
    combined = [merged(parts) for parts in itertools.product(*values)]
    original = ids([yielding(v) for v in values])
    assert ids([yielding(v) for v in reordered]) == original
    assert ids([yielding(combined)] if values else []) == original


CONTEXTS = st.dictionaries(st.sampled_from(("day", "count", "flag", "other")),
                           st.integers(0, 3), max_size=4)


def reading(values: list[dict]):
    """A generator whose instances depend on the context: `day` is added to each value,
    `count` drops the last one when odd, `flag` (present or not) adds a key."""
    def generate(context):
        flagged = {"flagged": True} if "flag" in context else {}
        for each in values[:len(values) - context.get("count", 0) % 2]:
            yield {**each, "offset": context.get("day", 0), **flagged}
    return generate


@given(generator_values(), st.lists(CONTEXTS, min_size=1, max_size=4))
def test_the_same_context_gives_the_same_instances(values, contexts):
    """Generators that read the context give the same instances, in the same order, for
    equal contexts whatever their key order; the decider's remembered expansions (kept
    between decisions, `garcon.expansion`) always equal a fresh expansion of the context."""
    current = fan([reading(v) for v in values])
    memory = Expansions()
    for context in contexts:
        fresh = [(i.id, dict(i.local_context)) for i in current.instances(dict(context))]
        again = [(i.id, dict(i.local_context))
                 for i in current.instances(dict(reversed(context.items())))]
        assert again == fresh
        remembered = memory.expand(current, dict(context), HistoryState())
        assert [*zip(remembered.ids, remembered.values, strict=True)] == fresh


@given(flows(max_activities=3))
def test_a_generated_flow_has_the_instances_its_specs_describe(flow):
    """The strategies' flows expand, through garcon's own API, into the product of the
    generator values their specs show (so a printed flow says what ran)."""
    for spec in flow.specs:
        created = getattr(flow, spec.name)
        assert [dict(i.local_context) for i in created.instances({})] == (
            spec.instance_values())
        assert [r.name for r in created.requires] == [f"generated_{r}" for r in spec.requires]
        assert created.retry == spec.retry and created.max_open == spec.max_open


@example([0, 0])  # the same instance twice
@example([1, "1"])  # values that garcon's id format writes alike
@given(st.lists(st.sampled_from((0, 1, 2, "1", "2", True, "True")), max_size=4))
def test_values_given_twice_are_one_instance(values):
    """A generator may yield the same values twice, or values that garcon's id format (values
    written with `str`) cannot tell apart: they are one instance, which runs once, and the
    activities that require it then run (the run does not wait for ever)."""
    create = activity.create("dev", "expansion")
    fan_out = create(name="fan", generators=[lambda context: ({"v": v} for v in values)],
                     run=runner.Sync(lambda context, activity: None))
    after = create(name="after", requires=[fan_out],
                   run=runner.Sync(lambda context, activity: None))
    run = run_flow(types.SimpleNamespace(domain="dev", name="expansion", fan=fan_out,
                                         after=after))
    assert run.status == "COMPLETED", run.reason
    assert run.attempts("fan") == len(run.instances("fan")) == len({str(v) for v in values})
    assert run.attempts("after") == 1
