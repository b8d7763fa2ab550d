"""A Rasa featurizer that adds the all-MiniLM-L6-v2 sentence embedding of each message.

Count vectors only know the words of the training examples; a sentence embedding
places "could he support a family on it" near "is the salary enough to live on", so
the intent classifier generalises to phrasings it never saw. The model runs with ONNX
Runtime (nlu_components/minilm.py): no torch, no download.
"""
import hashlib
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

import patches
from nlu_components import minilm
from nlu_components.minilm import TEXT_EMBEDDING, MiniLMEncoder, as_text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    """Sentence features (384 dimensions) for the text of user messages."""

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self.encoder = MiniLMEncoder.load()

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        """Also when Rasa loads a trained model (GraphComponent.load calls create): Rasa
        makes this component in every process that trains, tests or runs this project's
        model, so each is patched (patches/__init__.py), whichever command started it."""
        patches.apply()
        return cls(config, execution_context.node_name)

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        """The encoder's code. Rasa's training cache fingerprints a component by its class's
        code and configuration, not by the modules it calls, so it reused the features an
        earlier encoder had made."""
        return hashlib.sha256(Path(minilm.__file__).read_bytes()).hexdigest()

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Nothing to configure beyond the alias every featurizer has."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Features for the classifier, and the embedding in the parse result for the
        action server's fact ranker (actions/understanding.py), which needs the same."""
        for message, vector in self._featurize(messages):
            message.set(TEXT_EMBEDDING, as_text(vector), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for _ in self._featurize(training_data.training_examples):
            pass
        return training_data

    def _featurize(self, messages: List[Message]) -> Iterator[Tuple[Message, np.ndarray]]:
        with_text = [message for message in messages if message.get(TEXT)]
        if with_text:
            vectors = self.encoder.encode([message.get(TEXT) for message in with_text])
            for message, vector in zip(with_text, vectors, strict=True):
                message.add_features(
                    Features(vector[None, :], FEATURE_TYPE_SENTENCE, TEXT, self._config[FEATURIZER_CLASS_ALIAS])
                )
                yield message, vector
