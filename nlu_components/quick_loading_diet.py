"""Rasa's DIETClassifier, loaded in a fraction of the time.

To load a trained DIET, Rasa builds its weights by fitting it on one example with a
compiled (traced) training step, then overwrites them with the saved ones. Tracing the
training graph (gradients, optimizer) took 7.5 of the Rasa server's 19 s start-up
(py-spy). Here that one step runs eagerly instead: the same weights and optimizer slots
are created, the saved weights replace them as before, and prediction is still traced
into a graph before the server takes its first message. Training is Rasa's, unchanged.
Each message's prediction then calls that traced graph directly (TracedPrediction).
"""
from typing import Any, Dict, Optional, Text, Tuple, Type

import numpy as np
import tensorflow as tf
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIET, DIETClassifier
from rasa.utils.tensorflow.constants import RUN_EAGERLY
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel


class TracedPrediction:
    """DIET's traced prediction graph, called with its inputs converted to the types of its
    signature. Calling the `tf.function` matched each call's arguments to the signature again
    (0.3 ms a message), and so did calling its concrete function: 1.34 -> 0.94 ms a message,
    the same outputs. `_call_flat` is TensorFlow 2.12's own (Rasa 3.6 pins it)."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph
        self.input_types = [spec.dtype for spec in tf.nest.flatten(graph.structured_input_signature)]

    def __call__(self, batch_in: Tuple[np.ndarray, ...]) -> Dict[Text, Any]:
        arrays = tf.nest.flatten(batch_in)
        if len(arrays) != len(self.input_types):
            raise ValueError(f"DIET's prediction takes {len(self.input_types)} arrays, got {len(arrays)}")
        inputs = [tf.convert_to_tensor(array, dtype=dtype) for array, dtype in zip(arrays, self.input_types)]
        return self.graph._call_flat(inputs, self.graph.captured_inputs)


class QuickLoadingDIET(DIET):
    """DIET whose weights are built by one eager training step when it is loaded."""

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
            return super().load(model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs)
        kwargs["config"] = {**config, RUN_EAGERLY: True}
        model = super().load(model_file_name, model_data_example, None, finetune_mode, *args, **kwargs)
        model.config[RUN_EAGERLY] = False
        model.run_eagerly = False  # predictions run as a traced graph, as in stock Rasa
        if predict_data_example:
            model.run_inference(predict_data_example)  # trace it now, not on the first message
            model._tf_predict_step = TracedPrediction(model._tf_predict_step.get_concrete_function())
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
