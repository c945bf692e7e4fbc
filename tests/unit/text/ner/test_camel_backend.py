"""camel-tools' NERecognizer backend, on a tiny BERT built on the fly (no download)."""

import pytest

from khabar.text.ner import load_tagger

WORDS = ["بوتين", "في", "موسكو", "قال", "الرئيس"]


def test_camel_backend_needs_a_model_dir():
    with pytest.raises(ValueError):
        load_tagger("camel")
    with pytest.raises(ValueError):
        load_tagger("nope")


def test_camel_backend_tags_with_a_tiny_model(tmp_path):
    torch = pytest.importorskip("torch", reason="torch not installed: the camel backend is optional")
    pytest.importorskip("transformers", reason="transformers not installed: the camel backend is optional")
    from camel_tools.ner import NERecognizer
    from transformers import BertConfig, BertForTokenClassification, BertTokenizer

    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS), encoding="utf-8")
    labels = NERecognizer.labels()
    config = BertConfig(
        vocab_size=5 + len(WORDS),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=300,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    torch.manual_seed(0)
    BertForTokenClassification(config).save_pretrained(tmp_path)
    BertTokenizer(str(vocab), do_lower_case=False).save_pretrained(tmp_path)

    tagger = load_tagger("camel", str(tmp_path))
    out = tagger.tag_sentences([["قال", "الرئيس", "بوتين", "في", "موسكو"], [], ["بوتين"]])
    assert [len(s) for s in out] == [5, 0, 1]
    for sent in out:
        for label, conf in sent:
            assert label in labels
            assert 0.0 <= conf <= 1.0
