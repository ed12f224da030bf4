"""Metric blocks: image similarity, bootstrap intervals, mutual information, disentanglement probes, interpolation and prediction scores."""
