"""The ONNX Runtime graph of nlu_components/minilm.py computes what BERT computes: checked
against a plain numpy forward pass written here from the same safetensors weights."""
import functools
import math
from pathlib import Path

import numpy as np
import pytest
from rasa.engine.training.fingerprinting import calculate_fingerprint_key
from safetensors.numpy import load_file
from scipy.special import erf

from nlu_components import minilm
from nlu_components.minilm import HEADS, HIDDEN, LN_EPS, MiniLMEncoder, default_model_dir
from nlu_components.minilm_featurizer import MiniLMFeaturizer

TEXTS = [
    "hi",
    "how much does a medical coder make a year",
    "I worked retail for ten years; would a certificate in billing get me an office job, and how long does it take?",
]


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    return MiniLMEncoder.load()


@functools.lru_cache(maxsize=1)
def bert_weights() -> dict:
    """The safetensors weights in float64, read once for all the tests."""
    return {name.removeprefix("bert."): value.astype(np.float64)
            for name, value in load_file(str(default_model_dir() / "model.safetensors")).items()}


def reference_hidden_states(ids: np.ndarray) -> np.ndarray:
    """BERT's encoder for one unpadded sequence, straight from the weights (nn.Linear: x W^T + b)."""
    w = bert_weights()

    def linear(x, name):
        return x @ w[name + ".weight"].T + w[name + ".bias"]

    def norm(x, name):
        centred = x - x.mean(-1, keepdims=True)
        normalised = centred / np.sqrt((centred ** 2).mean(-1, keepdims=True) + LN_EPS)
        return normalised * w[name + ".weight"] + w[name + ".bias"]

    x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:len(ids)]
         + w["embeddings.token_type_embeddings.weight"][0])
    x = norm(x, "embeddings.LayerNorm")
    head_dim = HIDDEN // HEADS
    for layer in range(6):
        pre = f"encoder.layer.{layer}."
        heads = [linear(x, pre + "attention.self." + part).reshape(len(ids), HEADS, head_dim).transpose(1, 0, 2)
                 for part in ("query", "key", "value")]
        q, k, v = heads
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(head_dim)
        probabilities = np.exp(scores - scores.max(-1, keepdims=True))
        probabilities /= probabilities.sum(-1, keepdims=True)
        context = (probabilities @ v).transpose(1, 0, 2).reshape(len(ids), HIDDEN)
        x = norm(x + linear(context, pre + "attention.output.dense"), pre + "attention.output.LayerNorm")
        up = linear(x, pre + "intermediate.dense")
        x = norm(x + linear(0.5 * up * (1 + erf(up / math.sqrt(2))), pre + "output.dense"), pre + "output.LayerNorm")
    return x


def test_sentence_embeddings_match_bert(encoder):
    """Batched together (so the shorter ones are padded) and one at a time."""
    batched = encoder.encode(TEXTS)
    for text, vector in zip(TEXTS, batched, strict=True):
        ids = np.array(encoder.tokenizer.wrap(encoder.tokenizer.tokenize(text)))
        mean = reference_hidden_states(ids).mean(0)
        expected = mean / np.linalg.norm(mean)
        np.testing.assert_allclose(vector, expected, atol=1e-5)
        np.testing.assert_allclose(encoder.encode([text])[0], expected, atol=1e-5)


def test_training_cache_tells_encoders_apart(tmp_path, monkeypatch):
    """A changed encoder changes the featurizer's key in Rasa's training cache, so a
    retrained model never reuses the features of an earlier encoder."""
    before = calculate_fingerprint_key(MiniLMFeaturizer, {}, {})
    assert calculate_fingerprint_key(MiniLMFeaturizer, {}, {}) == before
    changed = tmp_path / "minilm.py"
    changed.write_bytes(Path(minilm.__file__).read_bytes() + b"\nMAX_LEN = 128\n")
    monkeypatch.setattr(minilm, "__file__", str(changed))
    assert calculate_fingerprint_key(MiniLMFeaturizer, {}, {}) != before
