"""Whole pickled Hugging Face objects, for tests/unit/models/test_hf_whole.py.

Run from the repository root with torch, transformers and sentence-transformers
installed (nothing is downloaded: the model is built from a tiny local config):

    python tests/assets/hf_whole/generate.py

``sentence_transformer.pt`` is ``torch.save`` of a whole SentenceTransformer (a
tiny BERT with its BertTokenizer, and mean pooling); ``vit_image_processor.pkl`` is
``pickle.dump`` of a ViTImageProcessor. Nothing here is needed at test time but the
written files.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    warnings.filterwarnings("ignore")
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer, models

    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "tiny-bert"
        config = transformers.BertConfig(
            hidden_size=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=32,
            vocab_size=32,
            max_position_embeddings=32,
        )
        transformers.BertModel(config).save_pretrained(folder)
        words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "model"]
        vocab = folder / "vocab.txt"
        vocab.write_text("\n".join(words + [f"w{i}" for i in range(32 - len(words))]) + "\n")
        transformers.BertTokenizer(str(vocab)).save_pretrained(folder)
        word = models.Transformer(str(folder))
        pooling = models.Pooling(config.hidden_size)
        model = SentenceTransformer(modules=[word, pooling], device="cpu")
        torch.save(model, HERE / "sentence_transformer.pt")
    processor = transformers.ViTImageProcessor(size={"height": 8, "width": 8})
    with (HERE / "vit_image_processor.pkl").open("wb") as fh:
        pickle.dump(processor, fh)


if __name__ == "__main__":
    main()
