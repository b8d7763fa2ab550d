"""Conversation tests: tests/test_stories.yml through the trained model, failing on
any wrong intent, aspect or action (`rasa test core --fail-on-prediction-errors`)."""
from tests.harness.rasa_commands import run_rasa


def test_conversation_stories_predict_every_turn(trained_model, tmp_path):
    run_rasa(
        "test", "core", "--model", str(trained_model), "--stories", "tests/test_stories.yml",
        "--fail-on-prediction-errors", "--out", str(tmp_path),
    )
