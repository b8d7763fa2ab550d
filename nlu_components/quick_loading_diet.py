"""Rasa's DIETClassifier, loaded in a fraction of the time.

To load a trained DIET, Rasa builds its weights by fitting it on one example with a
compiled (traced) training step, then overwrites them with the saved ones. Tracing the
training graph (gradients, optimizer) took 7.5 of the Rasa server's 19 s start-up
(py-spy). Here that one step runs eagerly instead: the same weights and optimizer slots
are created, the saved weights replace them as before, and prediction is still traced
into a graph before the server takes its first message. Training is Rasa's, unchanged.
"""
from typing import Any, Optional, Text, Type

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIET, DIETClassifier
from rasa.utils.tensorflow.constants import RUN_EAGERLY
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel


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
            # Call the traced graph itself: the tf.function around it matches each call's
            # arguments to its signature again (0.3 ms a message, a fifth of DIET's call).
            model._tf_predict_step = model._tf_predict_step.get_concrete_function()
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
