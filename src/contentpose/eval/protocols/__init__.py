"""Each family's evaluation protocol: what `contentpose evaluate` scores for it, beside the baselines, and how it prints."""
