"""Kafka plumbing shared by the producer and the enricher: the local broker and topic administration."""
