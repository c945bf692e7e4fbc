"""The producer: reads article files and feeds, and sends them as raw records to Kafka."""
