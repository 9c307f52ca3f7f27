"""Reports written from measured outputs: the model card, the results README and the paper-vs-here table."""
