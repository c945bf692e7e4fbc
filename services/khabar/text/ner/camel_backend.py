"""camel-tools' BERT NERecognizer as an optional backend (needs torch + transformers and a model dir).

Install: `uv add torch transformers` (outside the locked default env) and point `model_path` at a
fine-tuned token-classification model, e.g. the one `camel_data -i ner-arabert` downloads.
"""

from __future__ import annotations

from .data import canon_label


class CamelTagger:
    def __init__(self, model_path: str, use_gpu: bool = False):
        try:
            from camel_tools.ner import NERecognizer
        except ImportError as error:
            raise RuntimeError(
                f"the camel NER backend needs torch and transformers installed (see {__name__}): {error}"
            ) from error

        self._rec = NERecognizer(model_path, use_gpu=use_gpu)
        self.name = f"camel-ner:{model_path}"

    def tag_sentences(self, sentences: list[list[str]]) -> list[list[tuple[str, float]]]:
        """Labels from NERecognizer.predict; confidence is the softmax probability of each word's
        first sub-word, aligned the same way camel-tools aligns its labels."""
        import numpy as np
        import torch
        from camel_tools.ner import NERDataset
        from torch.utils.data import DataLoader

        keep = [i for i, s in enumerate(sentences) if s]
        out: list[list[tuple[str, float]]] = [[] for _ in sentences]
        if not keep:
            return out
        rec = self._rec
        ds = NERDataset(
            sentences=[sentences[i] for i in keep],
            tokenizer=rec.tokenizer,
            labels=list(rec.labels_map.values()),
            max_seq_length=256,
        )
        rec.model.to("cpu")
        rec.model.eval()
        per_sent: dict[int, list[tuple[str, float]]] = {}
        with torch.no_grad():
            for batch in DataLoader(ds, batch_size=32, shuffle=False):
                logits = rec.model(
                    input_ids=batch["input_ids"],
                    token_type_ids=batch["token_type_ids"],
                    attention_mask=batch["attention_mask"],
                )[0]
                probs = torch.softmax(logits, -1).numpy()
                ignore = torch.nn.CrossEntropyLoss().ignore_index
                lab_ids = batch["label_ids"].numpy()
                for row, sid in enumerate(batch["sent_id"].tolist()):
                    for j in np.nonzero(lab_ids[row] != ignore)[0]:
                        k = int(probs[row, j].argmax())
                        per_sent.setdefault(sid, []).append((canon_label(rec.labels_map[k]), float(probs[row, j, k])))
        for sid, i in enumerate(keep):
            tags = per_sent.get(sid, [])
            # Words beyond the 256-piece window get no prediction from camel-tools; tag them O.
            out[i] = (tags + [("O", 1.0)] * len(sentences[i]))[: len(sentences[i])]
        return out
