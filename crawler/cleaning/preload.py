"""What the cleaning pool's fork server loads once, so that every worker it forks starts with it: the
cleaners and the site profiles, and py3langid's model (half a second of CPU that each worker would
otherwise spend on its first page, and again each time the pool replaces it)."""

from __future__ import annotations

import crawler.cleaning.capture  # loaded for the workers
import crawler.cleaning.main_text  # trafilatura, which the generic cleaner imports on first use
import crawler.sites  # noqa: F401
from crawler.cleaning.language import detect

detect("the model is read on the first text it is asked about " * 2)
