"""Loopback sample site that healthcrawl's spider tests crawl over real HTTP."""
