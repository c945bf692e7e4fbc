"""khabar: streaming enrichment of Arabic news."""

__version__ = "0.1.0"
