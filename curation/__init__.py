"""Curation tools: the link inbox, filling entries from a link or an arXiv id, what was
featured before, the preflight before submit, and link rot in the archive. See README."""
