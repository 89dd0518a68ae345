"""Renderers: pure functions from a CorpusResult (and its report dict) to output text."""
