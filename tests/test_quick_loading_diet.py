"""The quick-loading DIET (nlu_components/quick_loading_diet.py) predicts exactly what
Rasa's own way of loading and predicting with the same trained model predicts, is ready to
predict as a traced graph before the first message, and builds the same inputs as Rasa."""
import asyncio

import numpy as np
import pytest
from rasa.core.agent import Agent
from rasa.nlu.classifiers.diet_classifier import DIET, DIETClassifier
from rasa.utils.train_utils import create_data_generators

from nlu_components.quick_loading_diet import (
    QuickLoadingDIET,
    QuickLoadingDIETClassifier,
    TracedPrediction,
    one_message_batch,
)

MESSAGES = [
    "hello there",
    "ok so what kind of money would I be bringing home doing claims all day",
    "my aunt did hospital coding for years, is a certificate a must or just nice to have",
    "whats the weather like in denver tomorrow",
    "is there room to move up after a couple years",
    "sallary?",
]


def loaded(model_path):
    """The loaded DIET model, and the intent ranking of every message."""
    agent = Agent.load(str(model_path))
    nodes = agent.processor.graph_runner._instantiated_nodes.values()
    classifier = next(node._component for node in nodes if isinstance(node._component, QuickLoadingDIETClassifier))
    rankings = {text: asyncio.run(agent.parse_message(text))["intent_ranking"] for text in MESSAGES}
    return classifier.model, rankings


def test_same_predictions_as_rasas_loading(trained_model, monkeypatch):
    quick_model, quick = loaded(trained_model)
    assert type(quick_model) is QuickLoadingDIET
    assert not quick_model.run_eagerly
    assert isinstance(quick_model._tf_predict_step, TracedPrediction)  # traced while loading, called directly

    monkeypatch.setattr(QuickLoadingDIETClassifier, "model_class", staticmethod(lambda: DIET))
    monkeypatch.setattr(QuickLoadingDIETClassifier, "_predict", DIETClassifier._predict)
    stock_model, stock = loaded(trained_model)
    assert type(stock_model) is DIET

    for text in MESSAGES:
        assert [intent["name"] for intent in quick[text]] == [intent["name"] for intent in stock[text]], text
        assert [intent["confidence"] for intent in quick[text]] == pytest.approx(
            [intent["confidence"] for intent in stock[text]], abs=1e-6), text


# Odd ones too: punctuation only, no known word, digits, an emoji, one word, a long story.
ODD_MESSAGES = ["?", "zzqxv blorp", "123 456", "\U0001F600", "CMRS", "hi " * 120 + "what does it pay"]


def test_one_message_batch_is_rasas_batch(trained_model, monkeypatch):
    """For every message, the arrays Rasa's model data and batch generator make, equal
    element by element, in type and in order."""
    compared = []

    def both_ways(classifier, message):
        model_data = classifier._create_model_data([message], training=False)
        ours = one_message_batch(message)
        if model_data.is_empty():
            assert ours is None, message.get("text")
        else:
            generator, _ = create_data_generators(model_data, batch_sizes=1, epochs=1, shuffle=False)
            rasas = next(iter(generator))[0]
            assert len(ours) == len(rasas) == 9, message.get("text")
            for mine, theirs in zip(ours, rasas, strict=True):
                assert mine.dtype == theirs.dtype and mine.shape == theirs.shape, message.get("text")
                assert np.array_equal(mine, theirs), message.get("text")
            compared.append(message.get("text"))
        return DIETClassifier._predict(classifier, message)

    monkeypatch.setattr(QuickLoadingDIETClassifier, "_predict", both_ways)
    agent = Agent.load(str(trained_model))
    for text in MESSAGES + ODD_MESSAGES:
        asyncio.run(agent.parse_message(text))
    assert compared == MESSAGES + ODD_MESSAGES  # each message reached DIET, with features
