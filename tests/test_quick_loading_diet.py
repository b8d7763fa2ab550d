"""The quick-loading DIET (nlu_components/quick_loading_diet.py) predicts exactly what
Rasa's own way of loading the same trained model predicts, and is ready to predict as a
traced graph before the first message."""
import asyncio

import pytest
from rasa.core.agent import Agent
from rasa.nlu.classifiers.diet_classifier import DIET

from nlu_components.quick_loading_diet import QuickLoadingDIET, QuickLoadingDIETClassifier, TracedPrediction

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
    stock_model, stock = loaded(trained_model)
    assert type(stock_model) is DIET

    for text in MESSAGES:
        assert [intent["name"] for intent in quick[text]] == [intent["name"] for intent in stock[text]], text
        assert [intent["confidence"] for intent in quick[text]] == pytest.approx(
            [intent["confidence"] for intent in stock[text]], abs=1e-6), text
