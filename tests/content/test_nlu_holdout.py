"""Held-out NLU scores: `rasa test nlu` on tests/nlu/ (examples never trained on,
including CLINC150 test lines) must reach these minimums."""
import json

import pytest

from tests.harness.rasa_commands import run_rasa

MIN_ACCURACY = 0.90
MIN_IN_SCOPE_MACRO_F1 = 0.80
MIN_OUT_OF_SCOPE_RECALL = 0.90
MIN_OUT_OF_SCOPE_PRECISION = 0.95
AGGREGATES = {"accuracy", "macro avg", "weighted avg", "micro avg"}


@pytest.fixture(scope="module")
def intent_report(trained_model, tmp_path_factory):
    out = tmp_path_factory.mktemp("nlu_results")
    run_rasa("test", "nlu", "--model", str(trained_model), "--nlu", "tests/nlu", "--out", str(out))
    report = json.loads((out / "intent_report.json").read_text())
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
