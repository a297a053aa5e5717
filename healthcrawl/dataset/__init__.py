"""Record files in, a Hugging Face dataset folder out: dedup, site-template removal, chunks."""
