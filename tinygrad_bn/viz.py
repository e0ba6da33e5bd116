"""Computation graphs as pictures (Graphviz DOT)."""
