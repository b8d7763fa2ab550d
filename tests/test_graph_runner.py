"""The graph runner patch (patches/graph_runner.py) runs the real model's graph as Rasa's
dask runner does: the same nodes, each once, after the nodes it needs, with the same
results for understanding a message and for predicting the next action."""
import pytest
from rasa.core.channels.channel import UserMessage
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import patches
import patches.graph_runner

MESSAGES = [
    "hi",
    "so like what would i actually be doing all day if i went into billing and coding",
    "and the highest?",
    "whats the weather like in denver tomorrow",
    "do i need a certification",
]


@pytest.fixture(scope="module")
def agent(trained_agent):
    return trained_agent


class Recorder:
    """Wraps a graph node: notes each call's node name and arguments' names."""

    def __init__(self, name, node, calls):
        self.name, self.node, self.calls = name, node, calls

    def __call__(self, *inputs):
        self.calls.append((self.name, [i[0] if isinstance(i, tuple) else i for i in inputs]))
        return self.node(*inputs)


def run_recorded(run, runner, inputs, targets, monkeypatch):
    """`run`'s results and the nodes it called, in order."""
    calls = []
    with monkeypatch.context() as patch:
        patch.setattr(runner, "_instantiated_nodes",
                      {name: Recorder(name, node, calls) for name, node in runner._instantiated_nodes.items()})
        return run(runner, inputs, targets), calls


def assert_same_nodes_in_a_valid_order(ours, dasks, schema):
    assert sorted(ours) == sorted(dasks)  # the same calls, with the same arguments
    assert len({name for name, _ in ours}) == len(ours)  # each node once
    called = set()
    for name, _ in ours:
        assert not set(schema.nodes[name].needs.values()) & (set(schema.nodes) - called), name
        called.add(name)


def tracker_after(agent, text, parse_data, actions):
    events = [ActionExecuted("action_listen"),
              UserUttered(text, parse_data["intent"], parse_data.get("entities", []), parse_data)]
    events += [ActionExecuted(action) for action in actions]
    return DialogueStateTracker.from_events("graph-runner-test", events, slots=agent.domain.slots)


def test_apply_runs_the_graph_in_order_and_keeps_dasks_run(monkeypatch):
    monkeypatch.setattr(DaskGraphRunner, "run", patches.graph_runner.RASAS_RUN)  # Rasa's, until the test ends
    patches.apply()
    assert DaskGraphRunner.run is patches.graph_runner.run_in_order
    assert patches.graph_runner.RASAS_RUN.__qualname__ == "DaskGraphRunner.run"
    assert patches.graph_runner.RASAS_RUN.__module__ == "rasa.engine.runner.dask"


@pytest.mark.parametrize("text", MESSAGES)
def test_understanding_and_prediction_as_with_dask(agent, text, monkeypatch):
    runner, metadata = agent.processor.graph_runner, agent.processor.model_metadata
    dask_run = patches.graph_runner.RASAS_RUN
    tracker = DialogueStateTracker("graph-runner-test", agent.domain.slots)
    parsed = {}
    for name, run in (("ours", patches.graph_runner.run_in_order), ("dask", dask_run)):
        message = UserMessage(text, sender_id="graph-runner-test", message_id="1")
        inputs = {PLACEHOLDER_MESSAGE: [message], PLACEHOLDER_TRACKER: tracker}
        results, calls = run_recorded(run, runner, inputs, [metadata.nlu_target], monkeypatch)
        parse_data = results[metadata.nlu_target][0].as_dict()
        del parse_data["text_spacy_doc"]  # spaCy's Doc has no equality; the tokens come from it
        parsed[name] = (parse_data, calls)
    assert parsed["ours"][0] == parsed["dask"][0]
    assert_same_nodes_in_a_valid_order(parsed["ours"][1], parsed["dask"][1], runner._graph_schema)

    parse_data = parsed["ours"][0]
    done = []  # the actions predicted so far, each run before the next prediction
    for _ in range(2):
        predictions = {}
        for name, run in (("ours", patches.graph_runner.run_in_order), ("dask", dask_run)):
            inputs = {PLACEHOLDER_TRACKER: tracker_after(agent, text, parse_data, done)}
            results, calls = run_recorded(run, runner, inputs, [metadata.core_target], monkeypatch)
            prediction = results[metadata.core_target]
            predictions[name] = ((prediction.probabilities, prediction.policy_name, prediction.events), calls)
        assert predictions["ours"][0] == predictions["dask"][0]
        assert_same_nodes_in_a_valid_order(predictions["ours"][1], predictions["dask"][1], runner._graph_schema)
        probabilities = predictions["ours"][0][0]
        done.append(agent.domain.action_names_or_texts[probabilities.index(max(probabilities))])


def test_an_input_named_like_a_node_is_refused_as_by_dask(agent):
    runner, metadata = agent.processor.graph_runner, agent.processor.model_metadata
    some_node = next(iter(runner._graph_schema.minimal_graph_schema([metadata.nlu_target]).nodes))
    for run in (patches.graph_runner.run_in_order, patches.graph_runner.RASAS_RUN):
        with pytest.raises(GraphRunError, match="clashes with a node name"):
            run(runner, {"text": some_node}, [metadata.nlu_target])
