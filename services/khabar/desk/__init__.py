"""The desk: a live web page of the enriched stream (`khabar desk`), with its static files as package data."""
