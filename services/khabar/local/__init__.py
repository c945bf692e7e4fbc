"""Running khabar on one machine, for `khabar run`, `khabar kafka` and the tests: a real Kafka broker from the
Maven jars (`broker`), the worker as its own process (`worker`), and a reader of what the worker wrote
(`outputs`). The deployables (producer, enricher) never import this package."""
