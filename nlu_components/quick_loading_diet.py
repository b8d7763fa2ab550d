"""Rasa's DIETClassifier, loaded in a fraction of the time.

To load a trained DIET, Rasa builds its weights by fitting it on one example with a
compiled (traced) training step, then overwrites them with the saved ones. Tracing the
training graph (gradients, optimizer) was a large part of the Rasa server's start-up
(docs/performance.md has the figures). Here that one step runs eagerly instead: the
same weights and optimizer slots are created, the saved weights replace them as before,
and prediction is still traced into a graph before the server takes its first message.
Training is Rasa's, unchanged. Each message's prediction then builds the graph's inputs
directly (`one_message_batch`) and computes in numpy what the graph would
(nlu_components/diet_in_numpy.py); for a model it does not cover, it calls the traced
graph directly (TracedPrediction).
"""
from typing import Any, Dict, List, Optional, Text, Tuple, Type

import numpy as np
import scipy.sparse
import tensorflow as tf
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIET, DIETClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.constants import FEATURIZERS, RUN_EAGERLY
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel
from tensorflow.python.eager import context
from tensorflow.python.framework.constant_op import convert_to_eager_tensor

from nlu_components.diet_in_numpy import NumpyDIETPrediction


def one_message_batch(message: Message) -> Optional[Tuple[np.ndarray, ...]]:
    """DIET's input for one message, the arrays Rasa's model data and batch generator make
    from its features, in their order: the text's mask; sentence features, sparse (indices,
    values, shape) and dense; sequence features, sparse; the sequence's length.

    Rasa builds them with machinery made for batches of training data (features combined
    with scipy, copied, padded), which for one message costs more than the prediction's
    arithmetic. None when the message has any other set of features (none, or dense ones
    per token), for Rasa's own path.
    """
    sparse: Dict[Text, List[scipy.sparse.coo_matrix]] = {FEATURE_TYPE_SENTENCE: [], FEATURE_TYPE_SEQUENCE: []}
    dense_sentence = []
    for features in message.features:
        if features.attribute != TEXT:
            continue
        if features.is_sparse():
            sparse[features.type].append(features.features.tocoo())
        elif features.type == FEATURE_TYPE_SENTENCE:
            dense_sentence.append(features.features)
        else:
            return None
    if not (sparse[FEATURE_TYPE_SENTENCE] and sparse[FEATURE_TYPE_SEQUENCE] and dense_sentence):
        return None
    sequence_length = sparse[FEATURE_TYPE_SEQUENCE][0].shape[0]
    return (
        np.ones((1, 1, 1), np.float32),
        *_sparse_values(sparse[FEATURE_TYPE_SENTENCE]),
        np.concatenate(dense_sentence, axis=-1)[None].astype(np.float32),
        *_sparse_values(sparse[FEATURE_TYPE_SEQUENCE]),
        np.array([sequence_length], np.float32),
    )


def _sparse_values(blocks: List[scipy.sparse.coo_matrix]) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sparse matrices side by side, as a batch of one: (batch, row, column) indices,
    values and shape, with the entries in the order scipy's hstack gives them."""
    offsets = np.cumsum([0] + [block.shape[1] for block in blocks[:-1]])
    rows = np.concatenate([block.row for block in blocks])
    columns = np.concatenate([block.col + offset for block, offset in zip(blocks, offsets, strict=True)])
    values = np.concatenate([block.data for block in blocks])
    indices = np.stack([np.zeros_like(rows), rows, columns], axis=1).astype(np.int64)
    shape = np.array([1, blocks[0].shape[0], sum(block.shape[1] for block in blocks)], np.int64)
    return indices, values.astype(np.float32), shape


class TracedPrediction:
    """DIET's traced prediction graph, called with its inputs converted to the types of its
    signature. Calling the `tf.function` matched each call's arguments to the signature again
    on every message, and so did calling its concrete function; called this way the outputs
    are the same. The inputs become tensors without `tf.convert_to_tensor`'s dispatch, which
    is general-purpose and slower. `_call_flat` and `convert_to_eager_tensor` are
    TensorFlow 2.12's own (Rasa 3.6 pins it)."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph
        self.input_types = [spec.dtype for spec in tf.nest.flatten(graph.structured_input_signature)]

    def __call__(self, batch_in: Tuple[np.ndarray, ...]) -> Dict[Text, Any]:
        arrays = tf.nest.flatten(batch_in)
        if len(arrays) != len(self.input_types):
            raise ValueError(f"DIET's prediction takes {len(self.input_types)} arrays, got {len(arrays)}")
        eager = context.context()
        inputs = [
            convert_to_eager_tensor(array, eager, dtype)
            for array, dtype in zip(arrays, self.input_types, strict=True)
        ]
        return self.graph._call_flat(inputs, self.graph.captured_inputs)


class QuickLoadingDIET(DIET):
    """DIET whose weights are built by one eager training step when it is loaded, and
    which then predicts in numpy where it can (set when loaded, not for fine-tuning)."""

    numpy_prediction: Optional[NumpyDIETPrediction] = None

    @classmethod
    def load(
        cls,
        model_file_name: Text,
        model_data_example: RasaModelData,
        predict_data_example: Optional[RasaModelData] = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> "RasaModel":
        config = kwargs["config"]
        if finetune_mode or config[RUN_EAGERLY]:
            return super().load(
                model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs
            )
        kwargs["config"] = {**config, RUN_EAGERLY: True}
        model = super().load(model_file_name, model_data_example, None, finetune_mode, *args, **kwargs)
        model.config[RUN_EAGERLY] = False
        model.run_eagerly = False  # predictions run as a traced graph, as in stock Rasa
        if predict_data_example:
            model.run_inference(predict_data_example)  # trace it now, not on the first message
            model._tf_predict_step = TracedPrediction(model._tf_predict_step.get_concrete_function())
        model.numpy_prediction = NumpyDIETPrediction.from_model(model)
        return model


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR],
    is_trainable=True,
)
class QuickLoadingDIETClassifier(DIETClassifier):
    """DIETClassifier (same settings, same training) that loads with QuickLoadingDIET."""

    @staticmethod
    def model_class() -> Type[RasaModel]:
        return QuickLoadingDIET

    def _predict(self, message: Message) -> Optional[Dict[Text, Any]]:
        """What Rasa's `_predict` returns (its `run_inference` on one batch), from the
        batch `one_message_batch` builds when it can."""
        known_layout = self.model is not None and not self.component_config[FEATURIZERS]  # all featurizers' features
        batch = one_message_batch(message) if known_layout else None
        if batch is None:
            return super()._predict(message)
        if self.model.numpy_prediction is not None:
            return self.model.numpy_prediction(batch)
        return self.model._rasa_predict(batch)
