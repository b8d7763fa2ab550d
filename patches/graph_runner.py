"""Rasa's model graph run node after node, without dask's scheduler.

Rasa runs its model graph three times a turn (understanding the message, then predicting
each action) with `dask.get`, dask's synchronous scheduler: it runs the same nodes one at a
time too, but first orders and tracks them anew on every call, a cost that shows under load
(docs/performance.md). Here the order for a set of targets and inputs is worked out once,
and each later run only calls the nodes in it.

What runs is what dask runs: every node of the graph the targets need (Rasa's minimal
schema), each once, after the nodes it needs, called with the same arguments (each
parent's `(name, output)`, or the parent's name where no node or input provides it, as
dask passes an unknown key); an input named like a node replaces that node; an input
whose value is a node's name is refused; the targets' outputs are returned by name, and
a `RuntimeError` becomes Rasa's `GraphRunError`. tests/test_graph_runner.py compares
both runners on the real model.

Nothing changes on import: `apply()` (called by `patches.apply()`) rebinds
`DaskGraphRunner.run`; Rasa's own is kept as `RASAS_RUN`.
"""
from typing import Any, Dict, FrozenSet, List, Optional, Text, Tuple

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

RASAS_RUN = DaskGraphRunner.run

# The names of the graph's nodes, and for each node to call, in order: its name and the
# names of the nodes it needs.
Plan = Tuple[FrozenSet[Text], List[Tuple[Text, Tuple[Text, ...]]]]


def _plan(runner: DaskGraphRunner, targets: Tuple[Text, ...], inputs: FrozenSet[Text]) -> Plan:
    """The graph `targets` need, each node after the nodes it needs (inputs replace nodes)."""
    schema = runner._graph_schema.minimal_graph_schema(list(targets))
    calls: List[Tuple[Text, Tuple[Text, ...]]] = []
    placed = set(inputs)

    def place(name: Text) -> None:
        if name in placed or name not in schema.nodes:
            return
        placed.add(name)
        needs = tuple(schema.nodes[name].needs.values())
        for parent in needs:
            place(parent)
        calls.append((name, needs))

    for name in schema.nodes:
        place(name)
    return frozenset(schema.nodes), calls


def run_in_order(
    self: DaskGraphRunner, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None
) -> Dict[Text, Any]:
    """`DaskGraphRunner.run` with the nodes called in a remembered order."""
    run_targets = tuple(targets if targets else self._graph_schema.target_names)
    inputs = inputs or {}
    plans = self.__dict__.setdefault("_plans", {})
    key = (run_targets, frozenset(inputs))
    if key not in plans:
        plans[key] = _plan(self, *key)
    nodes, calls = plans[key]
    for value in inputs.values():
        if isinstance(value, str) and (value in nodes or value in inputs):
            raise GraphRunError(
                f"Input value '{value}' clashes with a node name. Make sure that none of the input names "
                f"passed to the `run` method are the same as node names in the graph schema."
            )
    results: Dict[Text, Any] = {name: (name, value) for name, value in inputs.items()}
    try:
        for name, needs in calls:
            results[name] = self._instantiated_nodes[name](*(results.get(parent, parent) for parent in needs))
    except RuntimeError as error:
        raise GraphRunError("Error running runner.") from error
    return dict(results[target] for target in run_targets)


def apply() -> None:
    """Run Rasa's graph in a remembered order (idempotent)."""
    DaskGraphRunner.run = run_in_order
