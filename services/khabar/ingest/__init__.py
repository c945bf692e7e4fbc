"""The HTTP ingest endpoint (`khabar ingest`): another system hands over articles, answered once the broker has them."""
