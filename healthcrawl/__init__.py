"""healthcrawl: health-topic web pages in, clean structured records out.

The one import name of the project. `extractors/`, `output/`, `spiders/` and `sample_site/`
are its subpackages (`healthcrawl.extractors` and so on), mapped in pyproject.toml.
"""

from healthcrawl.extractors import ExtractionError, Record, extract

__all__ = ["ExtractionError", "Record", "extract"]
