"""The text library: Arabic normalisation, tokenisation and entity tagging. Pure Python, no Kafka imports,
so it can be tested and benchmarked alone. `pipeline.TextPipeline` turns a raw article into an enriched one."""
