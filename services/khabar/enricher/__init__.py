"""The enricher: a Faust worker that turns raw articles into enriched ones, or dead letters with the reason."""
