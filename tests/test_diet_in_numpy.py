"""DIET's prediction in numpy (nlu_components/diet_in_numpy.py) gives what Rasa's
TensorFlow graph gives, for every dev text and odd ones, and stands aside for a model
it does not cover."""
import asyncio
from pathlib import Path

import numpy as np
import pytest
import yaml
from rasa.utils.tensorflow.constants import (
    ENTITY_RECOGNITION,
    KEY_RELATIVE_ATTENTION,
    MODEL_CONFIDENCE,
    SIMILARITY_TYPE,
)

from nlu_components.diet_in_numpy import NumpyDIETPrediction
from nlu_components.quick_loading_diet import QuickLoadingDIETClassifier, one_message_batch

DEV_SETS = sorted(Path(__file__).parent.glob("dev/dev_set*.yml"))
ODD_MESSAGES = ["?", "zzqxv blorp", "123 456", "\U0001F600", "CMRS", "hi", "hi " * 120 + "what does it pay"]


@pytest.fixture(scope="module")
def agent(trained_agent):
    return trained_agent


@pytest.fixture(scope="module")
def diet(agent):
    nodes = agent.processor.graph_runner._instantiated_nodes.values()
    return next(node._component for node in nodes if isinstance(node._component, QuickLoadingDIETClassifier)).model


def test_loaded_model_predicts_in_numpy(diet):
    assert isinstance(diet.numpy_prediction, NumpyDIETPrediction)


def test_same_prediction_as_rasas_graph_for_every_dev_text(agent, diet, monkeypatch):
    texts = [q["text"] for path in DEV_SETS for q in yaml.safe_load(path.read_text())["questions"]]
    assert len(texts) >= 490
    compared = []

    def both_ways(classifier, message):
        batch = one_message_batch(message)
        graph, numpy = diet._rasa_predict(batch), diet.numpy_prediction(batch)
        text = message.get("text")
        assert numpy["i_scores"].dtype == graph["i_scores"].dtype and numpy["i_scores"].shape == graph["i_scores"].shape
        assert np.abs(numpy["i_scores"] - graph["i_scores"]).max() < 1e-5, text
        assert numpy["i_scores"].argmax() == graph["i_scores"].argmax(), text
        for name in ("attention_weights", "text_transformed"):
            mine, rasas = numpy["diagnostic_data"][name], graph["diagnostic_data"][name]
            assert mine.shape == rasas.shape and np.abs(mine - rasas).max() < 1e-4, (name, text)
        compared.append(text)
        return numpy

    monkeypatch.setattr(QuickLoadingDIETClassifier, "_predict", both_ways)
    for text in texts + ODD_MESSAGES:
        asyncio.run(agent.parse_message(text))
    assert compared == texts + ODD_MESSAGES


@pytest.mark.parametrize(
    "setting, value",
    [(ENTITY_RECOGNITION, True), (KEY_RELATIVE_ATTENTION, True), (MODEL_CONFIDENCE, "linear_norm"),
     (SIMILARITY_TYPE, "cosine")],
)
def test_stands_aside_for_a_model_it_does_not_cover(diet, monkeypatch, setting, value):
    monkeypatch.setitem(diet.config, setting, value)
    assert NumpyDIETPrediction.from_model(diet) is None


def test_stands_aside_for_other_features(diet, monkeypatch):
    text_signature = dict(diet.data_signature["text"])
    text_signature["sequence"] = text_signature["sequence"] + text_signature["sentence"][1:]  # dense per token too
    monkeypatch.setitem(diet.data_signature, "text", text_signature)
    assert NumpyDIETPrediction.from_model(diet) is None
