"""Only for scrapyd-deploy, which builds its egg through setup.py; the metadata is in pyproject.toml."""

from setuptools import setup

setup()
