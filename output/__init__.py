"""Validating and writing records: the JSON Schema, `validate`, the JSONL writer, the CLI and
the Scrapy pipeline. Imports extractors, never the other way round."""
