"""Scores in, ranking, charts, and the results documents (Tờ trình, Quyết định, notices)."""
