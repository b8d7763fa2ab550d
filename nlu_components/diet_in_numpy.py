"""DIET's intent prediction for one message, in numpy, from the trained model's weights.

TensorFlow runs DIET's prediction graph (about 300 operations) by dispatching each
operation on its own, which for one short message costs more than the arithmetic; the
same arithmetic written out in numpy takes less, and leaves the Rasa server more CPU
for other turns (docs/performance.md has the figures). It covers the model this project
trains: text with sparse features per token and per sentence and dense ones per
sentence, a transformer without relative attention, intent classification only, scored by
inner product and softmax (Rasa's defaults).
`NumpyDIETPrediction.from_model` returns None for any other, and Rasa's graph predicts
as before. Scores equal the graph's to 1e-6 (float32 rounding), the same rankings on the
490 dev texts; tests/test_diet_in_numpy.py checks every one of them.
"""
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
import scipy.special
from rasa.nlu.classifiers.diet_classifier import DIET
from rasa.shared.nlu.constants import TEXT
from rasa.utils.tensorflow.constants import (
    ENTITY_RECOGNITION,
    INNER,
    INTENT_CLASSIFICATION,
    KEY_RELATIVE_ATTENTION,
    MODEL_CONFIDENCE,
    SIMILARITY_TYPE,
    SOFTMAX,
    UNIDIRECTIONAL_ENCODER,
    VALUE_RELATIVE_ATTENTION,
)
from rasa.utils.tensorflow.layers import RandomlyConnectedDense
from rasa.utils.tensorflow.rasa_layers import ConcatenateSparseDenseFeatures, RasaSequenceLayer
from rasa.utils.tensorflow.transformer import TransformerEncoder

from nlu_components.minilm import numpy_layer_norm

Dense = Tuple[np.ndarray, Optional[np.ndarray]]  # kernel (in, out), bias or None
LAYER_NORM_EPSILON = 1e-6  # Rasa's transformer


def _dense(layer: Any) -> Dense:
    """A Keras dense layer's kernel and bias; a randomly connected one's kernel with its
    mask applied, as Rasa applies it on every call."""
    kernel = layer.kernel.numpy()
    if isinstance(layer, RandomlyConnectedDense) and layer.density < 1.0:
        kernel = kernel * layer.kernel_mask.numpy()
    return kernel, layer.bias.numpy() if layer.use_bias else None


def _apply(x: np.ndarray, dense: Dense) -> np.ndarray:
    kernel, bias = dense
    x = x @ kernel
    return x if bias is None else x + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """tf.nn.gelu (exact, with erf)."""
    return 0.5 * x * (1.0 + scipy.special.erf(x / np.float32(1.4142135623730951)))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _layer_norm(x: np.ndarray, gamma_beta: Tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return numpy_layer_norm(x, *gamma_beta, epsilon=LAYER_NORM_EPSILON)


def _layer_norm_weights(layer: Any) -> Tuple[np.ndarray, np.ndarray]:
    return layer.gamma.numpy(), layer.beta.numpy()


def _sparse_to_dense(indices: np.ndarray, values: np.ndarray, rows: int, dense: Dense) -> np.ndarray:
    """A (1, rows, vocabulary) sparse input times a DenseForSparse layer: (rows, units)."""
    kernel, bias = dense
    spread = np.zeros((rows, len(values)), np.float32)
    spread[indices[:, 1], np.arange(len(values))] = values
    return spread @ kernel[indices[:, 2]] + bias


class _EncoderLayer:
    """One of Rasa's TransformerEncoderLayers: pre-norm self-attention, then a GELU
    feed-forward block, each added to its input."""

    def __init__(self, layer: Any) -> None:
        attention = layer._mha
        self.heads, self.depth = attention.num_heads, attention._depth
        self.attention_norm = _layer_norm_weights(layer._layer_norm)
        query, key, value = (_dense(dense)[0] for dense in (  # no biases: one product for all three
            attention._query_dense_layer, attention._key_dense_layer, attention._value_dense_layer))
        self.query_key_value = np.concatenate([query, key, value], axis=1)
        self.output = _dense(attention._output_dense_layer)
        norm, up, _, down, _ = layer._ffn_layers
        self.feed_forward_norm, self.up, self.down = _layer_norm_weights(norm), _dense(up), _dense(down)

    def __call__(self, x: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        length = len(x)
        # (3, heads, length, depth): queries, keys, values
        projected = _layer_norm(x, self.attention_norm) @ self.query_key_value
        projected = projected.reshape(length, 3, self.heads, self.depth)
        query, key, value = projected.transpose(1, 2, 0, 3)
        weights = _softmax(query @ key.transpose(0, 2, 1) / np.sqrt(np.float32(self.depth)))
        attended = (weights @ value).transpose(1, 0, 2).reshape(length, self.heads * self.depth)
        x = x + _apply(attended, self.output)
        x = x + _apply(_gelu(_apply(_layer_norm(x, self.feed_forward_norm), self.up)), self.down)
        return x, weights


class NumpyDIETPrediction:
    """What DIET's `_rasa_predict` returns for one message's batch (`one_message_batch`'s
    nine arrays), computed in numpy."""

    def __init__(self, model: DIET) -> None:
        sequence_layer = model._tf_layers[f"sequence_layer.{TEXT}"]
        combining = sequence_layer._tf_layers[RasaSequenceLayer.FEATURE_COMBINING]._tf_layers

        def sparse_to_dense(feature_type: Text) -> Dense:
            layers = combining[f"sparse_dense.{feature_type}"]._tf_layers
            return _dense(layers[ConcatenateSparseDenseFeatures.SPARSE_TO_DENSE])

        def ffnn(layer: Any) -> List[Dense]:  # each followed by a GELU
            return [_dense(sub) for sub in layer._ffn_layers if isinstance(sub, RandomlyConnectedDense)]

        self.sentence_sparse, self.sequence_sparse = sparse_to_dense("sentence"), sparse_to_dense("sequence")
        self.unify_sentence = ffnn(combining["unify_dims_before_seq_sent_concat.sentence"])
        self.unify_sequence = ffnn(combining["unify_dims_before_seq_sent_concat.sequence"])
        self.hidden = ffnn(sequence_layer._tf_layers[RasaSequenceLayer.FFNN])
        encoder = sequence_layer._tf_layers[RasaSequenceLayer.TRANSFORMER]
        self.units = encoder.units
        self.angles = encoder._get_angles().astype(np.float32)
        self.embedding = _dense(encoder._embedding)
        self.layers = [_EncoderLayer(layer) for layer in encoder._enc_layers]
        self.final_norm = _layer_norm_weights(encoder._layer_norm)
        self.embed_text = _dense(model._tf_layers[f"embed.{TEXT}"]._dense)
        self.label_embeddings = model.all_labels_embed.numpy()

    @classmethod
    def from_model(cls, model: DIET) -> Optional["NumpyDIETPrediction"]:
        """For a model of the kind described above; None for any other."""
        config = model.config
        text = model.data_signature.get(TEXT, {})
        layout = {kind: [signature.is_sparse for signature in signatures] for kind, signatures in text.items()}
        supported = (
            config[INTENT_CLASSIFICATION]
            and not config[ENTITY_RECOGNITION]
            and not config[KEY_RELATIVE_ATTENTION]
            and not config[VALUE_RELATIVE_ATTENTION]
            and not config[UNIDIRECTIONAL_ENCODER]
            and config[MODEL_CONFIDENCE] == SOFTMAX
            and config[SIMILARITY_TYPE] == INNER
            and layout.get("sentence") == [True, False]
            and layout.get("sequence") == [True]
            and getattr(model, "all_labels_embed", None) is not None
        )
        if not supported:
            return None
        sequence_layer = model._tf_layers[f"sequence_layer.{TEXT}"]
        combining = sequence_layer._tf_layers[RasaSequenceLayer.FEATURE_COMBINING]._tf_layers
        if not isinstance(sequence_layer._tf_layers[RasaSequenceLayer.TRANSFORMER], TransformerEncoder) or not all(
            f"unify_dims_before_seq_sent_concat.{kind}" in combining for kind in ("sentence", "sequence")
        ):
            return None
        return cls(model)

    def _positions(self, length: int) -> np.ndarray:
        """Rasa's sinusoidal position encoding: sine on even units, cosine on odd ones."""
        angles = np.arange(length, dtype=np.float32)[:, None] * self.angles
        angles[:, 0::2] = np.sin(angles[:, 0::2])
        angles[:, 1::2] = np.cos(angles[:, 1::2])
        return angles

    def __call__(self, batch: Tuple[np.ndarray, ...]) -> Dict[Text, Any]:
        _, sentence_indices, sentence_values, _, sentence_dense, sequence_indices, sequence_values, _, length = batch
        tokens = int(length[0])
        sentence = np.concatenate(
            [_sparse_to_dense(sentence_indices, sentence_values, 1, self.sentence_sparse), sentence_dense[0]], -1)
        sequence = _sparse_to_dense(sequence_indices, sequence_values, tokens, self.sequence_sparse)
        for dense in self.unify_sentence:
            sentence = _gelu(_apply(sentence, dense))
        for dense in self.unify_sequence:
            sequence = _gelu(_apply(sequence, dense))
        x = np.concatenate([sequence, sentence])  # the sentence after the tokens
        for dense in self.hidden:
            x = _gelu(_apply(x, dense))

        x = _apply(x, self.embedding) * np.sqrt(np.float32(self.units)) + self._positions(len(x))
        attention_weights = []
        for layer in self.layers:
            x, weights = layer(x)
            attention_weights.append(weights)
        transformed = _gelu(_layer_norm(x, self.final_norm))

        scores = _softmax(self.label_embeddings @ _apply(transformed[-1], self.embed_text))  # inner product
        return {
            "diagnostic_data": {
                "attention_weights": np.stack(attention_weights)[None],  # (1, layers, heads, length, length)
                "text_transformed": transformed[None],
            },
            "i_scores": scores[None].astype(np.float32),
        }
