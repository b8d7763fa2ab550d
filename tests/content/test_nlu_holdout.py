"""Held-out NLU scores on tests/nlu/ (examples never trained on, including CLINC150 test
lines) must reach these minimums. Scored as `rasa test nlu` scores them (a fallback
prediction is undone; Rasa's own metrics), with the session's model in this process rather
than a second Rasa started for it."""
import asyncio

import pytest

MIN_ACCURACY = 0.90
MIN_IN_SCOPE_MACRO_F1 = 0.80
MIN_OUT_OF_SCOPE_RECALL = 0.90
MIN_OUT_OF_SCOPE_PRECISION = 0.95
AGGREGATES = {"accuracy", "macro avg", "weighted avg", "micro avg"}


async def predicted_intents(agent, texts):
    """The intent each text is read as, a fallback prediction undone (the intent it shadowed)."""
    from rasa.nlu.classifiers import fallback_classifier

    intents = []
    for text in texts:
        result = await agent.parse_message(text)
        if fallback_classifier.is_fallback_classifier_prediction(result):
            result = fallback_classifier.undo_fallback_prediction(result)
        intents.append(result["intent"]["name"])
    return intents


@pytest.fixture(scope="module")
def intent_report(trained_agent):
    from rasa.model_testing import get_evaluation_metrics
    from rasa.shared.nlu.training_data.loading import load_data

    examples = load_data("tests/nlu").intent_examples
    targets = [example.get("intent") for example in examples]
    predictions = asyncio.run(predicted_intents(trained_agent, [example.get("text") for example in examples]))
    report, _, _, _ = get_evaluation_metrics(targets, predictions, output_dict=True)
    in_scope = [name for name in report if name not in AGGREGATES | {"out_of_scope"}]
    macro_f1 = sum(report[name]["f1-score"] for name in in_scope) / len(in_scope)
    print(
        f"\nheld-out NLU: accuracy {report['accuracy']:.3f}, in-scope macro F1 {macro_f1:.3f}, "
        f"out-of-scope precision {report['out_of_scope']['precision']:.3f} "
        f"recall {report['out_of_scope']['recall']:.3f}"
    )
    return report, macro_f1


def test_held_out_accuracy(intent_report):
    report, _ = intent_report
    assert report["accuracy"] >= MIN_ACCURACY


def test_held_out_in_scope_macro_f1(intent_report):
    _, macro_f1 = intent_report
    assert macro_f1 >= MIN_IN_SCOPE_MACRO_F1


def test_out_of_scope_is_caught_without_swallowing_career_questions(intent_report):
    report, _ = intent_report
    assert report["out_of_scope"]["recall"] >= MIN_OUT_OF_SCOPE_RECALL
    assert report["out_of_scope"]["precision"] >= MIN_OUT_OF_SCOPE_PRECISION
