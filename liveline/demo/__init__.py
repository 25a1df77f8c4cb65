"""Liveline's own demo live blog: a fictional story and a simulated desk that extends it."""
